// Password recovery for every kind of user: ask for a link by e-mail, then set a new password by it.
import { LockOutlined, MailOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Form, Input, Result, Typography } from "antd";
import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { useParams } from "react-router-dom";
import { graphql } from "../gql";
import { payload } from "./api";
import { applyErrors } from "./forms";
import { useGqlMutation } from "./hooks";

const ResetRequestMutation = graphql(`
  mutation SharedPasswordResetRequest($email: String!) {
    passwordResetRequest(email: $email) {
      errors { field message code }
      ok
    }
  }
`);

const ResetCompleteMutation = graphql(`
  mutation SharedPasswordResetComplete($token: String!, $newPassword: String!) {
    passwordResetComplete(token: $token, newPassword: $newPassword) {
      errors { field message code }
      ok
    }
  }
`);

/** The login page's frame: a card in the middle of the screen. */
export function AccountCard({ title, children }: { title: ReactNode; children: ReactNode }) {
  return (
    <div style={{ minHeight: "100vh", display: "flex", alignItems: "center", justifyContent: "center", padding: 16 }}>
      <Card style={{ width: "100%", maxWidth: 420 }}>
        <Typography.Title level={3} style={{ marginTop: 0 }}>
          {title}
        </Typography.Title>
        {children}
      </Card>
    </div>
  );
}

function BackToLogin() {
  const { t } = useTranslation();
  return (
    <p style={{ marginTop: 16, marginBottom: 0 }}>
      <a href="/">{t("recovery.backToLogin")}</a>
    </p>
  );
}

export function ForgotPasswordPage() {
  const { t } = useTranslation();
  const [form] = Form.useForm<{ email: string }>();
  const [error, setError] = useState<string | null>(null);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const request = useGqlMutation(ResetRequestMutation);

  const submit = async (values: { email: string }) => {
    setError(null);
    try {
      payload(await request.mutateAsync({ email: values.email.trim() }));
      setSentTo(values.email.trim());
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };

  if (sentTo) {
    return (
      <AccountCard title={t("recovery.title")}>
        <Result status="success" title={t("recovery.sentTitle")} subTitle={t("recovery.sentText", { email: sentTo })} />
        <BackToLogin />
      </AccountCard>
    );
  }
  return (
    <AccountCard title={t("recovery.title")}>
      <Typography.Paragraph type="secondary">{t("recovery.intro")}</Typography.Paragraph>
      {error && <Alert type="error" showIcon title={error} role="alert" style={{ marginBottom: 16 }} />}
      <Form form={form} layout="vertical" onFinish={submit} requiredMark={false}>
        <Form.Item label={t("login.email")} name="email" rules={[{ required: true, type: "email", message: t("login.emailRequired") }]}>
          <Input prefix={<MailOutlined />} autoComplete="username" autoFocus />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={request.isPending}>
          {t("recovery.send")}
        </Button>
      </Form>
      <BackToLogin />
    </AccountCard>
  );
}

export function ResetPasswordPage() {
  const { t } = useTranslation();
  const { token = "" } = useParams();
  const [form] = Form.useForm<{ password: string; repeat: string }>();
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const complete = useGqlMutation(ResetCompleteMutation);

  const submit = async (values: { password: string }) => {
    setError(null);
    try {
      payload(await complete.mutateAsync({ token, newPassword: values.password }));
      setDone(true);
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };

  if (done) {
    return (
      <AccountCard title={t("recovery.newTitle")}>
        <Result status="success" title={t("recovery.doneTitle")} subTitle={t("recovery.doneText")}
          extra={<Button type="primary" href="/">{t("login.submit")}</Button>} />
      </AccountCard>
    );
  }
  return (
    <AccountCard title={t("recovery.newTitle")}>
      {error && <Alert type="error" showIcon title={error} role="alert" style={{ marginBottom: 16 }} />}
      <Form form={form} layout="vertical" onFinish={submit} requiredMark={false}>
        <Form.Item label={t("recovery.newPassword")} name="password" rules={[{ required: true, message: t("login.passwordRequired") }]}>
          <Input.Password prefix={<LockOutlined />} autoComplete="new-password" autoFocus />
        </Form.Item>
        <Form.Item label={t("recovery.repeat")} name="repeat" dependencies={["password"]}
          rules={[{ required: true, message: t("login.passwordRequired") },
            ({ getFieldValue }) => ({
              validator: (_rule, value) => (!value || value === getFieldValue("password") ? Promise.resolve() : Promise.reject(new Error(t("recovery.mismatch")))),
            })]}>
          <Input.Password prefix={<LockOutlined />} autoComplete="new-password" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={complete.isPending}>
          {t("recovery.save")}
        </Button>
      </Form>
      <BackToLogin />
    </AccountCard>
  );
}
