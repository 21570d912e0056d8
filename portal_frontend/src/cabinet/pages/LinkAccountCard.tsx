// "Подключить лицевой счёт": the ЕЛС and the code printed on the ЕПД.
import { LinkOutlined } from "@ant-design/icons";
import { App, Alert, Button, Card, Form, Input } from "antd";
import { useState } from "react";
import { MutationError, payload } from "../../shared/api";
import { applyErrors } from "../../shared/forms";
import { useGqlMutation } from "../../shared/hooks";
import { LinkAccountMutation } from "../queries";

interface Values {
  els: string;
  code: string;
}

export function LinkAccountCard({ first }: { first: boolean }) {
  const [form] = Form.useForm<Values>();
  const [error, setError] = useState<string | null>(null);
  const link = useGqlMutation(LinkAccountMutation, ["CabinetHouseholds", "CabinetMeters", "CabinetDocuments"]);
  const { message } = App.useApp();

  const submit = async (values: Values) => {
    setError(null);
    try {
      const result = payload(await link.mutateAsync({ els: values.els.trim(), code: values.code.trim() }));
      message.success(`Лицевой счёт ${result.household?.els ?? values.els} подключён`);
      form.resetFields();
    } catch (exc) {
      const rest = applyErrors(form, exc);
      if (exc instanceof MutationError && exc.errors.some((e) => e.code === "TOO_MANY_ATTEMPTS")) {
        setError(rest ?? "Слишком много неверных кодов: подождите и повторите попытку.");
      } else {
        setError(rest);
      }
    }
  };

  return (
    <Card title={<span><LinkOutlined /> Подключить лицевой счёт</span>}>
      {first && (
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: 16 }}
          title="Подключите свой лицевой счёт"
          description="ЕЛС и код подключения напечатаны в платёжном документе (ЕПД) рядом с адресом."
        />
      )}
      {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginBottom: 16 }} />}
      <Form form={form} layout="vertical" onFinish={submit} requiredMark={false} style={{ maxWidth: 480 }}>
        <Form.Item
          label="ЕЛС"
          name="els"
          extra="Единый лицевой счёт из ЕПД, 10 цифр"
          rules={[{ required: true, message: "Укажите ЕЛС" }]}
        >
          <Input inputMode="numeric" autoComplete="off" maxLength={20} />
        </Form.Item>
        <Form.Item
          label="Код с ЕПД"
          name="code"
          extra="Вида XXXX-XXXX, регистр не важен"
          rules={[{ required: true, message: "Укажите код с ЕПД" }]}
        >
          <Input autoComplete="off" maxLength={12} style={{ textTransform: "uppercase" }} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={link.isPending}>
          Подключить
        </Button>
      </Form>
    </Card>
  );
}
