// A new appeal: to the agent or to a principal serving one of the resident's households.
import { Alert, App, Button, Card, Form, Input, Select } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
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
  const { t } = useTranslation("cabinet");
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
      message.success(t("appealForm.sent", { number: result.appeal?.number ?? "" }));
      form.resetFields();
      if (result.appeal) onCreated(result.appeal.id);
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };

  return (
    <Card title={t("appealForm.title")}>
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
          <Form.Item label={t("common.householdPicker")} name="els" htmlFor="cabinet-appeal-els">
            <Select
              id="cabinet-appeal-els"
              allowClear
              onChange={() => form.setFieldValue("to", "agent")}
              options={list.map((h) => ({ value: h.els, label: `${h.els} — ${h.address}` }))}
            />
          </Form.Item>
        )}
        <Form.Item label={t("appeals.to")} name="to" htmlFor="cabinet-appeal-to">
          <Select
            id="cabinet-appeal-to"
            options={[
              { value: "agent", label: t("appealForm.agent") },
              ...(household?.accounts ?? []).map((a) => ({ value: a.principalId, label: a.principalName })),
            ]}
          />
        </Form.Item>
        <Form.Item label={t("appeals.subject")} name="subject" rules={[{ required: true, message: t("appealForm.subjectRequired") }]}>
          <Input maxLength={200} />
        </Form.Item>
        <Form.Item label={t("appealForm.text")} name="text" rules={[{ required: true, message: t("appealForm.textRequired") }]}>
          <Input.TextArea rows={4} maxLength={5000} showCount />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={create.isPending}>
          {t("common.send")}
        </Button>
      </Form>
    </Card>
  );
}
