// The portal's page for visitors who are not members yet: accepting an invitation by its e-mailed link.
// Kept apart from the portal's own chunk, like the cabinet's sign-up.
import { LockOutlined, UserOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Descriptions, Form, Input, Result, Spin, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate, useParams } from "react-router-dom";
import { graphql } from "../gql";
import { AccountCard } from "../shared/account";
import { payload } from "../shared/api";
import { applyErrors } from "../shared/forms";
import { useGql, useGqlMutation } from "../shared/hooks";
import { labelOf } from "../shared/labels";
import { ROLE } from "./labels";

const InvitationQuery = graphql(`
  query PortalInvitation($token: String!) {
    staffInvitation(token: $token) { email principalName role expiresAt hasAccount }
  }
`);

const AcceptMutation = graphql(`
  mutation PortalInvitationAccept($token: String!, $password: String!, $fullName: String) {
    staffInvitationAccept(token: $token, password: $password, fullName: $fullName) {
      errors { field message code }
      me { email principalRole }
    }
  }
`);

interface Values {
  fullName?: string;
  password: string;
}

export function InvitationPage() {
  const { t } = useTranslation("portal");
  const { token = "" } = useParams();
  const q = useGql(InvitationQuery, { token }, { retry: false });
  const accept = useGqlMutation(AcceptMutation);
  const [form] = Form.useForm<Values>();
  const [error, setError] = useState<string | null>(null);
  const client = useQueryClient();
  const navigate = useNavigate();
  const invitation = q.data?.staffInvitation;

  const submit = async (values: Values) => {
    setError(null);
    try {
      payload(await accept.mutateAsync({ token, password: values.password, fullName: values.fullName?.trim() || null }));
      await client.invalidateQueries();
      navigate("/", { replace: true });
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };

  if (q.isLoading) {
    return <AccountCard title={t("invitation.title")}><Spin /></AccountCard>;
  }
  if (!invitation) {
    return (
      <AccountCard title={t("invitation.title")}>
        <Result status="warning" title={t("invitation.invalid")} subTitle={q.error?.message}
          extra={<Button href="/">{t("invitation.toLogin")}</Button>} />
      </AccountCard>
    );
  }
  return (
    <AccountCard title={t("invitation.title")}>
      <Typography.Paragraph>{t("invitation.intro", { principal: invitation.principalName })}</Typography.Paragraph>
      <Descriptions size="small" column={1} style={{ marginBottom: 16 }}
        items={[
          { key: "email", label: t("invitation.email"), children: invitation.email },
          { key: "role", label: t("invitation.role"), children: labelOf(t, ROLE, invitation.role) },
        ]} />
      <Typography.Paragraph type="secondary">
        {invitation.hasAccount ? t("invitation.signInHint") : t("invitation.newHint")}
      </Typography.Paragraph>
      {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginBottom: 16 }} />}
      <Form form={form} layout="vertical" onFinish={submit} requiredMark={false}>
        {!invitation.hasAccount && (
          <Form.Item label={t("invitation.fullName")} name="fullName" rules={[{ required: true, message: t("users.fullNameRequired") }]}>
            <Input prefix={<UserOutlined />} autoComplete="name" autoFocus />
          </Form.Item>
        )}
        <Form.Item label={invitation.hasAccount ? t("invitation.password") : t("invitation.newPassword")} name="password"
          rules={[{ required: true, message: t("invitation.passwordRequired") }]}>
          <Input.Password prefix={<LockOutlined />} autoComplete={invitation.hasAccount ? "current-password" : "new-password"} />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={accept.isPending}>
          {t("invitation.accept")}
        </Button>
      </Form>
    </AccountCard>
  );
}
