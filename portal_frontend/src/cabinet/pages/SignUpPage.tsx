// Sign-up for residents: the address gets a confirmation link; the page then says to check the e-mail.
import { LockOutlined, MailOutlined, UserOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Form, Input, Result, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { payload } from "../../shared/api";
import { applyErrors } from "../../shared/forms";
import { useGqlMutation } from "../../shared/hooks";
import { SignUpMutation } from "../queries";

interface Values {
  email: string;
  password: string;
  fullName: string;
}

export default function SignUpPage() {
  const { t } = useTranslation("cabinet");
  const [form] = Form.useForm<Values>();
  const [error, setError] = useState<string | null>(null);
  const signUp = useGqlMutation(SignUpMutation, ["SharedMe"]);
  const [sentTo, setSentTo] = useState<string | null>(null);

  const submit = async (values: Values) => {
    setError(null);
    try {
      payload(await signUp.mutateAsync({ ...values, email: values.email.trim() }));
      setSentTo(values.email.trim());
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };

  if (sentTo) {
    return (
      <div style={{ minHeight: "100vh", display: "flex", alignItems: "center", justifyContent: "center", padding: 16 }}>
        <Card style={{ width: "100%", maxWidth: 420 }}>
          <Result status="info" title={t("signUp.checkMailTitle")} subTitle={t("signUp.checkMailText", { email: sentTo })}
            extra={<a href="/">{t("signUp.signIn")}</a>} />
        </Card>
      </div>
    );
  }

  return (
    <div style={{ minHeight: "100vh", display: "flex", alignItems: "center", justifyContent: "center", padding: 16 }}>
      <Card style={{ width: "100%", maxWidth: 420 }}>
        <Typography.Title level={2} style={{ marginTop: 0 }}>
          {t("signUp.title")}
        </Typography.Title>
        <Typography.Paragraph type="secondary">
          {t("signUp.intro")}
        </Typography.Paragraph>
        {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginBottom: 16 }} />}
        <Form form={form} layout="vertical" onFinish={submit} requiredMark={false}>
          <Form.Item
            label={t("signUp.email")}
            name="email"
            rules={[{ required: true, type: "email", message: t("signUp.emailRequired") }]}
          >
            <Input prefix={<MailOutlined />} autoComplete="email" autoFocus />
          </Form.Item>
          <Form.Item label={t("signUp.password")} name="password" rules={[{ required: true, message: t("signUp.passwordRequired") }]}>
            <Input.Password prefix={<LockOutlined />} autoComplete="new-password" />
          </Form.Item>
          <Form.Item label={t("common.fullName")} name="fullName" rules={[{ required: true, message: t("common.fullNameRequired") }]}>
            <Input prefix={<UserOutlined />} autoComplete="name" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={signUp.isPending}>
            {t("signUp.submit")}
          </Button>
        </Form>
        <p style={{ marginTop: 16, marginBottom: 0 }}>
          {t("signUp.haveAccount")} <a href="/">{t("signUp.signIn")}</a>
        </p>
      </Card>
    </div>
  );
}
