// A new appeal: to the agent or to a principal serving one of the resident's households.
import { Alert, App, Button, Card, Form, Input, Select } from "antd";
import { useState } from "react";
import { payload } from "../../shared/api";
import { applyErrors } from "../../shared/forms";
import { useGqlMutation } from "../../shared/hooks";
import { useHouseholds } from "../common";
import { AppealCreateMutation } from "../queries";

interface Values {
  els?: string;
  to: string; // "agent" or a principal id
  subject: string;
  text: string;
}

export function AppealForm({ onCreated }: { onCreated: (id: string) => void }) {
  const households = useHouseholds();
  const list = households.data?.residentHouseholds ?? [];
  const [form] = Form.useForm<Values>();
  const [error, setError] = useState<string | null>(null);
  const create = useGqlMutation(AppealCreateMutation, ["CabinetAppeals"]);
  const { message } = App.useApp();
  const els = Form.useWatch("els", form);
  const household = list.find((h) => h.els === els);

  const submit = async (values: Values) => {
    setError(null);
    try {
      const result = payload(
        await create.mutateAsync({
          subject: values.subject,
          text: values.text,
          els: values.els ?? null,
          principalId: values.to === "agent" ? null : values.to,
        }),
      );
      message.success(`Обращение ${result.appeal?.number ?? ""} отправлено`);
      form.resetFields();
      if (result.appeal) onCreated(result.appeal.id);
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };

  return (
    <Card title="Новое обращение">
      {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginBottom: 16 }} />}
      <Form
        form={form}
        layout="vertical"
        onFinish={submit}
        requiredMark={false}
        style={{ maxWidth: 640 }}
        initialValues={{ to: "agent", els: list[0]?.els }}
      >
        {list.length > 0 && (
          <Form.Item label="Лицевой счёт (ЕЛС)" name="els" htmlFor="cabinet-appeal-els">
            <Select
              id="cabinet-appeal-els"
              allowClear
              onChange={() => form.setFieldValue("to", "agent")}
              options={list.map((h) => ({ value: h.els, label: `${h.els} — ${h.address}` }))}
            />
          </Form.Item>
        )}
        <Form.Item label="Кому" name="to" htmlFor="cabinet-appeal-to">
          <Select
            id="cabinet-appeal-to"
            options={[
              { value: "agent", label: "ЕРЦ (расчётный центр)" },
              ...(household?.accounts ?? []).map((a) => ({ value: a.principalId, label: a.principalName })),
            ]}
          />
        </Form.Item>
        <Form.Item label="Тема" name="subject" rules={[{ required: true, message: "Укажите тему" }]}>
          <Input maxLength={200} />
        </Form.Item>
        <Form.Item label="Текст обращения" name="text" rules={[{ required: true, message: "Опишите вопрос" }]}>
          <Input.TextArea rows={4} maxLength={5000} showCount />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={create.isPending}>
          Отправить
        </Button>
      </Form>
    </Card>
  );
}
