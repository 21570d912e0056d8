// «Пользователи» (principal admins): staff memberships, invitations by e-mail (pending ones resent or revoked),
// roles, permissions, blocking.
import { PlusOutlined } from "@ant-design/icons";
import { Alert, App, Button, Form, Input, Modal, Popconfirm, Select, Space, Switch, Table, Tag, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { graphql } from "../../gql";
import type { Permission, PortalStaffInvitationsQuery, PortalUsersQuery, PrincipalRole } from "../../gql/graphql";
import { payload } from "../../shared/api";
import { useCan } from "../../shared/auth";
import { applyErrors } from "../../shared/forms";
import { QueryState } from "../../shared/QueryState";
import { formatDateTime } from "../../shared/format";
import { useGql, useGqlMutation } from "../../shared/hooks";
import { CursorPager, useCursorPages } from "../../shared/CursorPager";
import { PermissionsField, usePermissionLabels } from "../components/PermissionsField";
import { ROLE } from "../labels";
import { labelOf, optionsOf } from "../../shared/labels";

const UsersQuery = graphql(`
  query PortalUsers($first: Int, $after: String, $search: String) {
    users(first: $first, after: $after, search: $search) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { id email fullName role permissions isActive createdAt }
    }
  }
`);

const InviteMutation = graphql(`
  mutation PortalStaffInvitationSend($input: StaffInvitationInput!) {
    staffInvitationSend(input: $input) {
      errors { field message code }
      invitation { id }
    }
  }
`);

const InvitationsQuery = graphql(`
  query PortalStaffInvitations {
    staffInvitations { id email role permissions sentAt expiresAt isExpired }
  }
`);

const ResendMutation = graphql(`
  mutation PortalStaffInvitationResend($id: ID!) {
    staffInvitationResend(id: $id) {
      errors { field message code }
      invitation { id sentAt expiresAt }
    }
  }
`);

const RevokeMutation = graphql(`
  mutation PortalStaffInvitationRevoke($id: ID!) {
    staffInvitationRevoke(id: $id) {
      errors { field message code }
      invitation { id }
    }
  }
`);

const UpdateMutation = graphql(`
  mutation PortalMembershipUpdate($id: ID!, $input: MembershipUpdateInput!) {
    membershipUpdate(id: $id, input: $input) {
      errors { field message code }
      membership { id role permissions isActive }
    }
  }
`);

type Member = PortalUsersQuery["users"]["nodes"][number];

export default function UsersPage() {
  const { t } = useTranslation("portal");
  const [search, setSearch] = useState("");
  const pages = useCursorPages(20);
  const q = useGql(UsersQuery, { first: pages.first, after: pages.after, search: search || null }, { placeholderData: (p) => p });
  const data = q.data?.users;
  const manage = useCan("USERS_MANAGE");
  const { label } = usePermissionLabels();
  const [editing, setEditing] = useState<Member | "new" | null>(null);
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        {t("users.title")}
      </Typography.Title>
      <Space wrap style={{ width: "100%", justifyContent: "space-between" }}>
        <Form layout="inline">
          <Form.Item label={t("users.search")}>
            <Input.Search allowClear placeholder={t("users.searchPlaceholder")} onSearch={(v) => { setSearch(v.trim()); pages.reset(); }} />
          </Form.Item>
        </Form>
        {manage && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing("new")}>
            {t("users.add")}
          </Button>
        )}
      </Space>
      <QueryState loading={q.isLoading} error={q.error} retry={q.refetch}>
        <Table
          rowKey="id"
          loading={q.isFetching}
          dataSource={data?.nodes ?? []}
          pagination={false}
          scroll={{ x: 900 }}
          columns={[
            { title: t("users.staff"), render: (_v, m) => <Space orientation="vertical" size={0}><strong>{m.fullName || "—"}</strong><span>{m.email}</span></Space> },
            { title: t("users.role"), dataIndex: "role", render: (r: string) => labelOf(t, ROLE, r) },
            { title: t("users.permissions"), dataIndex: "permissions", render: (ps: string[]) => <Space wrap size={4}>{ps.map((p) => <Tag key={p}>{label(p)}</Tag>)}</Space> },
            { title: t("users.access"), dataIndex: "isActive", render: (a: boolean) => (a ? <Tag color="green">{t("users.active")}</Tag> : <Tag color="red">{t("users.blocked")}</Tag>) },
            { title: t("users.added"), dataIndex: "createdAt", render: formatDateTime },
            ...(manage ? [{ title: "", render: (_v: unknown, m: Member) => <Button size="small" onClick={() => setEditing(m)} aria-label={t("users.editAria", { email: m.email })}>{t("users.edit")}</Button> }] : []),
          ]}
        />
        <CursorPager pages={pages} totalCount={data?.totalCount} hasNextPage={data?.pageInfo.hasNextPage} endCursor={data?.pageInfo.endCursor} loading={q.isFetching} />
      </QueryState>
      <PendingInvitations manage={manage} />
      {editing && <MemberForm member={editing === "new" ? null : editing} onClose={() => setEditing(null)} />}
    </Space>
  );
}

type Invitation = PortalStaffInvitationsQuery["staffInvitations"][number];

function PendingInvitations({ manage }: { manage: boolean }) {
  const { t } = useTranslation("portal");
  const { message } = App.useApp();
  const q = useGql(InvitationsQuery);
  const resend = useGqlMutation(ResendMutation, ["PortalStaffInvitations"]);
  const revoke = useGqlMutation(RevokeMutation, ["PortalStaffInvitations"]);
  const { label } = usePermissionLabels();
  const act = async (run: () => Promise<Parameters<typeof payload>[0]>, done: string) => {
    try {
      payload(await run());
      void message.success(done);
    } catch (exc) {
      void message.error(applyErrors(null, exc) ?? "");
    }
  };
  const rows = q.data?.staffInvitations ?? [];
  return (
    <section aria-labelledby="pending-invitations">
      <Typography.Title level={4} id="pending-invitations">{t("users.pendingTitle")}</Typography.Title>
      <QueryState loading={q.isLoading} error={q.error} retry={q.refetch}>
        <Table<Invitation>
          rowKey="id"
          size="small"
          dataSource={rows}
          pagination={false}
          scroll={{ x: 800 }}
          locale={{ emptyText: t("users.noPending") }}
          columns={[
            { title: t("users.email"), dataIndex: "email" },
            { title: t("users.role"), dataIndex: "role", render: (r: string) => labelOf(t, ROLE, r) },
            { title: t("users.permissions"), dataIndex: "permissions", render: (ps: string[]) => <Space wrap size={4}>{ps.map((p) => <Tag key={p}>{label(p)}</Tag>)}</Space> },
            { title: t("users.sent"), dataIndex: "sentAt", render: formatDateTime },
            { title: t("users.expires"), render: (_v, i) => i.isExpired ? <Tag color="red">{t("users.expired")}</Tag> : formatDateTime(i.expiresAt) },
            ...(manage ? [{
              title: "", render: (_v: unknown, i: Invitation) => (
                <Space>
                  <Button size="small" loading={resend.isPending} aria-label={t("users.resendAria", { email: i.email })}
                    onClick={() => void act(() => resend.mutateAsync({ id: i.id }), t("users.invitationSent"))}>
                    {t("users.resend")}
                  </Button>
                  <Popconfirm title={t("users.revokeConfirm", { email: i.email })} okText={t("users.revoke")} cancelText={t("users.cancel")}
                    onConfirm={() => act(() => revoke.mutateAsync({ id: i.id }), t("users.revoked"))}>
                    <Button size="small" danger aria-label={t("users.revokeAria", { email: i.email })}>{t("users.revoke")}</Button>
                  </Popconfirm>
                </Space>
              ),
            }] : []),
          ]}
        />
      </QueryState>
    </section>
  );
}

interface Values {
  email: string;
  role: PrincipalRole;
  permissions: Permission[];
  isActive: boolean;
}

function MemberForm({ member, onClose }: { member: Member | null; onClose: () => void }) {
  const { t } = useTranslation("portal");
  const [form] = Form.useForm<Values>();
  const { message } = App.useApp();
  const invite = useGqlMutation(InviteMutation, ["PortalStaffInvitations"]);
  const update = useGqlMutation(UpdateMutation, ["PortalUsers"]);
  const [error, setError] = useState<string | null>(null);
  const submit = async (v: Values) => {
    setError(null);
    try {
      if (member) {
        payload(await update.mutateAsync({ id: member.id, input: { role: v.role, permissions: v.permissions, isActive: v.isActive } }));
      } else {
        payload(await invite.mutateAsync({ input: { email: v.email.trim(), role: v.role, permissions: v.permissions } }));
        void message.success(t("users.invitationSent"));
      }
      onClose();
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };
  return (
    <Modal open width={720} title={member ? t("users.memberTitle", { email: member.email }) : t("users.newMember")} onCancel={onClose}
      onOk={() => form.submit()} okText={member ? t("users.save") : t("users.sendInvitation")} cancelText={t("users.cancel")}
      confirmLoading={invite.isPending || update.isPending}>
      <Form form={form} layout="vertical" onFinish={submit}
        initialValues={member ? { role: member.role, permissions: member.permissions, isActive: member.isActive } : { role: "STAFF", permissions: ["ACCOUNTS_VIEW"], isActive: true }}>
        {!member && (
          <>
            <Form.Item label={t("users.email")} name="email" rules={[{ required: true, type: "email", message: t("users.emailRequired") }]}
              extra={t("users.inviteHint")}>
              <Input autoComplete="off" />
            </Form.Item>
          </>
        )}
        <Form.Item label={t("users.role")} name="role">
          <Select options={optionsOf(t, ROLE)} />
        </Form.Item>
        <Form.Item label={t("users.permissions")} name="permissions">
          <PermissionsField />
        </Form.Item>
        {member && (
          <Form.Item label={t("users.accessAllowed")} name="isActive" valuePropName="checked">
            <Switch />
          </Form.Item>
        )}
        {error && <Alert type="error" showIcon role="alert" title={error} />}
      </Form>
    </Modal>
  );
}
