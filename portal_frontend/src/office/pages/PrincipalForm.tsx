// Creating a principal, or editing its requisites: checks on the client only for convenience,
// the server's field errors shown on the fields.
import { App, Form, Input, Modal, Select, Switch } from "antd";
import type { TFunction } from "i18next";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router-dom";
import { graphql } from "../../gql";
import type { PrincipalCreateInput, PrincipalUpdateInput } from "../../gql/graphql";
import { payload } from "../../shared/api";
import { applyErrors } from "../../shared/forms";
import { useGqlMutation } from "../../shared/hooks";
import { optionsOf } from "../../shared/labels";
import { ErrorBanner, PRINCIPAL_KIND } from "../common";

const CreateMutation = graphql(`
  mutation OfficePrincipalCreate($input: PrincipalCreateInput!) {
    principalCreate(input: $input) {
      errors { field message code }
      principal { id }
    }
  }
`);

const UpdateMutation = graphql(`
  mutation OfficePrincipalUpdate($id: ID!, $input: PrincipalUpdateInput!) {
    principalUpdate(id: $id, input: $input) {
      errors { field message code }
      principal { id }
      requisitesChange { id }
    }
  }
`);

export interface PrincipalValues {
  id: string;
  legalName: string;
  shortName: string;
  inn: string;
  kpp: string;
  ogrn: string;
  bankName: string;
  bic: string;
  settlementAccount: string;
  correspondentAccount: string;
  isActive: boolean;
  // the executor's contacts every ЕПД prints (ПП 354 п.69 «а»)
  address: string;
  phone: string;
  email: string;
  website: string;
  workingHours: string;
}

const CONTACT_FIELDS = ["address", "phone", "email", "website", "workingHours"] as const;

const digits = (t: TFunction<"office">, count: number | number[], what: string) => ({
  validator: (_: unknown, value?: string) => {
    const allowed = Array.isArray(count) ? count : [count];
    if (!value || (/^\d+$/.test(value) && allowed.includes(value.length))) return Promise.resolve();
    return Promise.reject(new Error(t("principalForm.digits", { what, counts: allowed.join(t("principalForm.or")) })));
  },
});

interface Props {
  open: boolean;
  onClose: () => void;
  /** Editing this principal; creating a new one when absent. */
  principal?: PrincipalValues;
}

export function PrincipalFormModal({ open, onClose, principal }: Props) {
  const { t } = useTranslation("office");
  const [form] = Form.useForm();
  const [error, setError] = useState<string | null>(null);
  const { message } = App.useApp();
  const navigate = useNavigate();
  const create = useGqlMutation(CreateMutation, ["OfficePrincipals"]);
  const update = useGqlMutation(UpdateMutation, ["OfficePrincipals", "OfficePrincipal", "OfficeRequisitesChanges"]);
  const editing = Boolean(principal);

  useEffect(() => {
    if (open) {
      form.resetFields();
      if (principal) form.setFieldsValue(principal);
      setError(null);
    }
  }, [open, principal, form]);

  const submit = async () => {
    let values: Record<string, unknown>;
    try {
      values = await form.validateFields();
    } catch {
      return;
    }
    setError(null);
    try {
      if (principal) {
        const input: PrincipalUpdateInput = {
          legalName: values.legalName as string,
          shortName: values.shortName as string,
          kpp: values.kpp as string,
          bankName: values.bankName as string,
          bic: values.bic as string,
          settlementAccount: values.settlementAccount as string,
          correspondentAccount: values.correspondentAccount as string,
          isActive: values.isActive as boolean,
          ...Object.fromEntries(CONTACT_FIELDS.map((name) => [name, (values[name] as string | undefined) ?? ""])),
        };
        const result = payload(await update.mutateAsync({ id: principal.id, input }));
        // bank requisites take effect only when another person, an approver, confirms them
        if (result.requisitesChange) message.info(t("principalForm.savedPending"));
        else message.success(t("principalForm.saved"));
        onClose();
      } else {
        const result = payload(await create.mutateAsync({ input: values as unknown as PrincipalCreateInput }));
        message.success(t("principalForm.added"));
        onClose();
        if (result.principal) navigate(`/principals/${result.principal.id}`);
      }
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };

  return (
    <Modal
      open={open}
      title={editing ? t("principalForm.editTitle") : t("principalForm.newTitle")}
      okText={t("common.save")}
      cancelText={t("common.cancel")}
      onOk={submit}
      onCancel={onClose}
      confirmLoading={create.isPending || update.isPending}
      width={720}
      destroyOnHidden
    >
      <ErrorBanner message={error} />
      <Form form={form} layout="vertical" initialValues={{ isActive: true }}>
        <Form.Item label={t("principalForm.legalName")} name="legalName" rules={[{ required: true, message: t("principalForm.nameRequired") }]}>
          <Input />
        </Form.Item>
        <Form.Item label={t("principalForm.shortName")} name="shortName" rules={[{ required: true, message: t("principalForm.nameRequired") }]}>
          <Input />
        </Form.Item>
        {!editing && (
          <Form.Item label={t("principalForm.kind")} name="kind" rules={[{ required: true, message: t("principalForm.kindRequired") }]}>
            <Select options={optionsOf(t, PRINCIPAL_KIND).filter((o) => o.value !== "AGENT")} />
          </Form.Item>
        )}
        <div style={{ display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(200px, 1fr))", columnGap: 16 }}>
          <Form.Item label={t("principalForm.inn")} name="inn" rules={[{ required: !editing, message: t("principalForm.innRequired") }, digits(t, [10, 12], t("principalForm.inn"))]}>
            <Input disabled={editing} inputMode="numeric" />
          </Form.Item>
          <Form.Item label={t("principalForm.kpp")} name="kpp" rules={[digits(t, 9, t("principalForm.kpp"))]}>
            <Input inputMode="numeric" />
          </Form.Item>
          <Form.Item label={t("principalForm.ogrn")} name="ogrn" rules={[{ required: !editing, message: t("principalForm.ogrnRequired") }, digits(t, [13, 15], t("principalForm.ogrn"))]}>
            <Input disabled={editing} inputMode="numeric" />
          </Form.Item>
        </div>
        <Form.Item label={t("principalForm.bank")} name="bankName" rules={[{ required: true, message: t("principalForm.bankRequired") }]}>
          <Input />
        </Form.Item>
        <div style={{ display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(200px, 1fr))", columnGap: 16 }}>
          <Form.Item label={t("principalForm.bic")} name="bic" rules={[{ required: true, message: t("principalForm.bicRequired") }, digits(t, 9, t("principalForm.bic"))]}>
            <Input inputMode="numeric" />
          </Form.Item>
          <Form.Item
            label={t("principalForm.account")}
            name="settlementAccount"
            rules={[{ required: true, message: t("principalForm.accountRequired") }, digits(t, 20, t("principalForm.accountWhat"))]}
          >
            <Input inputMode="numeric" />
          </Form.Item>
          <Form.Item
            label={t("principalForm.corrAccount")}
            name="correspondentAccount"
            rules={[{ required: true, message: t("principalForm.corrAccountRequired") }, digits(t, 20, t("principalForm.corrAccount"))]}
          >
            <Input inputMode="numeric" />
          </Form.Item>
        </div>
        {!editing && (
          <div style={{ display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(200px, 1fr))", columnGap: 16 }}>
            <Form.Item
              label={t("principalForm.schema")}
              name="schemaName"
              extra={t("principalForm.schemaHint")}
              rules={[
                { required: true, message: t("principalForm.schemaRequired") },
                { pattern: /^[a-z][a-z0-9_]*$/, message: t("principalForm.schemaPattern") },
              ]}
            >
              <Input />
            </Form.Item>
            <Form.Item
              label={t("principalForm.subdomain")}
              name="subdomain"
              extra={t("principalForm.subdomainHint")}
              rules={[
                { required: true, message: t("principalForm.subdomainRequired") },
                { pattern: /^[a-z0-9][a-z0-9-]*$/, message: t("principalForm.subdomainPattern") },
              ]}
            >
              <Input />
            </Form.Item>
          </div>
        )}
        <Form.Item label={t("principalForm.address")} name="address" extra={t("principalForm.contactsHint")}>
          <Input maxLength={300} />
        </Form.Item>
        <div style={{ display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(200px, 1fr))", columnGap: 16 }}>
          <Form.Item label={t("principalForm.phone")} name="phone">
            <Input maxLength={100} inputMode="tel" />
          </Form.Item>
          <Form.Item label={t("principalForm.email")} name="email" rules={[{ type: "email", message: t("principalForm.emailInvalid") }]}>
            <Input maxLength={150} inputMode="email" />
          </Form.Item>
          <Form.Item label={t("principalForm.website")} name="website">
            <Input maxLength={150} />
          </Form.Item>
        </div>
        <Form.Item label={t("principalForm.workingHours")} name="workingHours">
          <Input maxLength={200} placeholder={t("principalForm.workingHoursPlaceholder")} />
        </Form.Item>
        {editing && (
          <Form.Item label={t("principalForm.active")} name="isActive" valuePropName="checked">
            <Switch />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}
