// The sign-up's confirmation link: the resident enters the password chosen at sign-up, the account is made and
// the cabinet opens.
import { LockOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Form, Input, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate, useParams } from "react-router-dom";
import { AccountCard } from "../../shared/account";
import { payload } from "../../shared/api";
import { applyErrors } from "../../shared/forms";
import { useGqlMutation } from "../../shared/hooks";
import { SignUpConfirmMutation } from "../queries";

export default function SignUpConfirmPage() {
  const { t } = useTranslation("cabinet");
  const { token = "" } = useParams();
  const [form] = Form.useForm<{ password: string }>();
  const [error, setError] = useState<string | null>(null);
  const confirm = useGqlMutation(SignUpConfirmMutation, ["SharedMe"]);
  const client = useQueryClient();
  const navigate = useNavigate();

  const submit = async (values: { password: string }) => {
    setError(null);
    try {
      payload(await confirm.mutateAsync({ token, password: values.password }));
      await client.invalidateQueries();
      navigate("/", { replace: true });
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };

  return (
    <AccountCard title={t("signUp.confirmTitle")}>
      <Typography.Paragraph type="secondary">{t("signUp.confirmIntro")}</Typography.Paragraph>
      {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginBottom: 16 }} />}
      <Form form={form} layout="vertical" onFinish={submit} requiredMark={false}>
        <Form.Item label={t("signUp.password")} name="password" rules={[{ required: true, message: t("signUp.confirmPasswordRequired") }]}>
          <Input.Password prefix={<LockOutlined />} autoComplete="current-password" autoFocus />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={confirm.isPending}>
          {t("signUp.confirm")}
        </Button>
      </Form>
    </AccountCard>
  );
}
