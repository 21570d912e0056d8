// Creating a principal, or editing its requisites: checks on the client only for convenience,
// the server's field errors shown on the fields.
import { App, Form, Input, Modal, Select, Switch } from "antd";
import { useEffect, useState } from "react";
import { useNavigate } from "react-router-dom";
import { graphql } from "../../gql";
import type { PrincipalCreateInput, PrincipalUpdateInput } from "../../gql/graphql";
import { payload } from "../../shared/api";
import { applyErrors } from "../../shared/forms";
import { useGqlMutation } from "../../shared/hooks";
import { ErrorBanner, PRINCIPAL_KIND, options } from "../common";

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
}

const digits = (count: number | number[], what: string) => ({
  validator: (_: unknown, value?: string) => {
    const allowed = Array.isArray(count) ? count : [count];
    if (!value || (/^\d+$/.test(value) && allowed.includes(value.length))) return Promise.resolve();
    return Promise.reject(new Error(`${what}: ${allowed.join(" или ")} цифр`));
  },
});

interface Props {
  open: boolean;
  onClose: () => void;
  /** Editing this principal; creating a new one when absent. */
  principal?: PrincipalValues;
}

export function PrincipalFormModal({ open, onClose, principal }: Props) {
  const [form] = Form.useForm();
  const [error, setError] = useState<string | null>(null);
  const { message } = App.useApp();
  const navigate = useNavigate();
  const create = useGqlMutation(CreateMutation, ["OfficePrincipals"]);
  const update = useGqlMutation(UpdateMutation, ["OfficePrincipals", "OfficePrincipal"]);
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
        };
        payload(await update.mutateAsync({ id: principal.id, input }));
        message.success("Реквизиты сохранены");
        onClose();
      } else {
        const result = payload(await create.mutateAsync({ input: values as unknown as PrincipalCreateInput }));
        message.success("Принципал добавлен");
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
      title={editing ? "Реквизиты принципала" : "Новый принципал"}
      okText="Сохранить"
      cancelText="Отмена"
      onOk={submit}
      onCancel={onClose}
      confirmLoading={create.isPending || update.isPending}
      width={720}
      destroyOnHidden
    >
      <ErrorBanner message={error} />
      <Form form={form} layout="vertical" initialValues={{ isActive: true }}>
        <Form.Item label="Полное наименование" name="legalName" rules={[{ required: true, message: "Укажите наименование" }]}>
          <Input />
        </Form.Item>
        <Form.Item label="Краткое наименование" name="shortName" rules={[{ required: true, message: "Укажите наименование" }]}>
          <Input />
        </Form.Item>
        {!editing && (
          <Form.Item label="Вид" name="kind" rules={[{ required: true, message: "Выберите вид" }]}>
            <Select options={options(PRINCIPAL_KIND).filter((o) => o.value !== "AGENT")} />
          </Form.Item>
        )}
        <div style={{ display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(200px, 1fr))", columnGap: 16 }}>
          <Form.Item label="ИНН" name="inn" rules={[{ required: !editing, message: "Укажите ИНН" }, digits([10, 12], "ИНН")]}>
            <Input disabled={editing} inputMode="numeric" />
          </Form.Item>
          <Form.Item label="КПП" name="kpp" rules={[digits(9, "КПП")]}>
            <Input inputMode="numeric" />
          </Form.Item>
          <Form.Item label="ОГРН" name="ogrn" rules={[{ required: !editing, message: "Укажите ОГРН" }, digits([13, 15], "ОГРН")]}>
            <Input disabled={editing} inputMode="numeric" />
          </Form.Item>
        </div>
        <Form.Item label="Банк" name="bankName" rules={[{ required: true, message: "Укажите банк" }]}>
          <Input />
        </Form.Item>
        <div style={{ display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(200px, 1fr))", columnGap: 16 }}>
          <Form.Item label="БИК" name="bic" rules={[{ required: true, message: "Укажите БИК" }, digits(9, "БИК")]}>
            <Input inputMode="numeric" />
          </Form.Item>
          <Form.Item
            label="Расчётный счёт"
            name="settlementAccount"
            rules={[{ required: true, message: "Укажите счёт" }, digits(20, "Счёт")]}
          >
            <Input inputMode="numeric" />
          </Form.Item>
          <Form.Item
            label="Корр. счёт"
            name="correspondentAccount"
            rules={[{ required: true, message: "Укажите корр. счёт" }, digits(20, "Корр. счёт")]}
          >
            <Input inputMode="numeric" />
          </Form.Item>
        </div>
        {!editing && (
          <div style={{ display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(200px, 1fr))", columnGap: 16 }}>
            <Form.Item
              label="Схема базы данных"
              name="schemaName"
              extra="Латиница, цифры и «_», например uk_sever"
              rules={[{ required: true, message: "Укажите схему" }, { pattern: /^[a-z][a-z0-9_]*$/, message: "Латинские строчные буквы, цифры и «_»" }]}
            >
              <Input />
            </Form.Item>
            <Form.Item
              label="Поддомен портала"
              name="subdomain"
              extra="Портал откроется по адресу <поддомен>.<адрес агента>"
              rules={[{ required: true, message: "Укажите поддомен" }, { pattern: /^[a-z0-9][a-z0-9-]*$/, message: "Латинские строчные буквы, цифры и «-»" }]}
            >
              <Input />
            </Form.Item>
          </div>
        )}
        {editing && (
          <Form.Item label="Действует" name="isActive" valuePropName="checked">
            <Switch />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}
