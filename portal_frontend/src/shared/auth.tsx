// Who is signed in on this host, the login page and logout.
import { LockOutlined, MailOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Card, Form, Input, Typography } from "antd";
import { useState, type ReactNode } from "react";
import { graphql } from "../gql";
import type { Permission } from "../gql/graphql";
import { payload } from "./api";
import { config } from "./config";
import { applyErrors } from "./forms";
import { useGql, useGqlMutation } from "./hooks";
import { useTranslation } from "react-i18next";

export const MeQuery = graphql(`
  query SharedMe {
    me {
      email
      fullName
      agentRole
      isResident
      isAuthenticated
      principalRole
      permissions
    }
  }
`);

const LoginMutation = graphql(`
  mutation SharedLogin($email: String!, $password: String!) {
    login(email: $email, password: $password) {
      errors { field message code }
      me { email fullName isAuthenticated }
    }
  }
`);

const LogoutMutation = graphql(`
  mutation SharedLogout {
    logout { errors { field message code } ok }
  }
`);

export function useMe() {
  return useGql(MeQuery, undefined, { staleTime: 60_000 });
}

/** The signed-in user's permissions on this host (empty until known). */
export function usePermissions(): ReadonlySet<Permission> {
  return new Set(useMe().data?.me.permissions ?? []);
}

/** Whether the signed-in user's permissions on this host include the given one. */
export function useCan(permission: Permission): boolean {
  return usePermissions().has(permission);
}

export function useLogout() {
  const client = useQueryClient();
  const mutation = useGqlMutation(LogoutMutation);
  return async () => {
    await mutation.mutateAsync({});
    client.clear();
    window.location.assign("/");
  };
}

export function LoginPage({ footer }: { footer?: ReactNode }) {
  const { t } = useTranslation();
  const [form] = Form.useForm();
  const [error, setError] = useState<string | null>(null);
  const client = useQueryClient();
  const login = useGqlMutation(LoginMutation);
  const title = config.principal ? config.principal.name : t("app.name");
  const subtitle = config.surface === "portal" ? t("login.portalSubtitle") : t("login.publicSubtitle");

  const submit = async (values: { email: string; password: string }) => {
    setError(null);
    try {
      payload(await login.mutateAsync(values));
      await client.invalidateQueries();
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };

  return (
    <div style={{ minHeight: "100vh", display: "flex", alignItems: "center", justifyContent: "center", padding: 16 }}>
      <Card style={{ width: "100%", maxWidth: 400 }}>
        <Typography.Title level={3} style={{ marginTop: 0 }}>
          {title}
        </Typography.Title>
        <Typography.Paragraph type="secondary">{subtitle}</Typography.Paragraph>
        {error && <Alert type="error" showIcon title={error} role="alert" style={{ marginBottom: 16 }} />}
        <Form form={form} layout="vertical" onFinish={submit} requiredMark={false}>
          <Form.Item
            label={t("login.email")}
            name="email"
            rules={[{ required: true, type: "email", message: t("login.emailRequired") }]}
          >
            <Input prefix={<MailOutlined />} autoComplete="username" autoFocus />
          </Form.Item>
          <Form.Item label={t("login.password")} name="password" rules={[{ required: true, message: t("login.passwordRequired") }]}
            extra={<a href="/forgot-password">{t("login.forgot")}</a>}>
            <Input.Password prefix={<LockOutlined />} autoComplete="current-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={login.isPending}>
            {t("login.submit")}
          </Button>
        </Form>
        {footer}
      </Card>
    </div>
  );
}
