// "Подключить лицевой счёт": the ЕЛС and the code printed on the ЕПД.
import { LinkOutlined } from "@ant-design/icons";
import { App, Alert, Button, Card, Form, Input } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { MutationError, payload } from "../../shared/api";
import { applyErrors } from "../../shared/forms";
import { useGqlMutation } from "../../shared/hooks";
import { LinkAccountMutation } from "../queries";

interface Values {
  els: string;
  code: string;
}

export function LinkAccountCard({ first }: { first: boolean }) {
  const { t } = useTranslation("cabinet");
  const [form] = Form.useForm<Values>();
  const [error, setError] = useState<string | null>(null);
  const link = useGqlMutation(LinkAccountMutation, ["CabinetHouseholds", "CabinetMeters", "CabinetDocuments"]);
  const { message } = App.useApp();

  const submit = async (values: Values) => {
    setError(null);
    try {
      const result = payload(await link.mutateAsync({ els: values.els.trim(), code: values.code.trim() }));
      message.success(t("link.linked", { els: result.household?.els ?? values.els }));
      form.resetFields();
    } catch (exc) {
      const rest = applyErrors(form, exc);
      if (exc instanceof MutationError && exc.errors.some((e) => e.code === "TOO_MANY_ATTEMPTS")) {
        setError(rest ?? t("link.tooManyAttempts"));
      } else {
        setError(rest);
      }
    }
  };

  return (
    <Card title={<span><LinkOutlined /> {t("link.title")}</span>}>
      {first && (
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: 16 }}
          title={t("link.firstTitle")}
          description={t("link.firstDescription")}
        />
      )}
      {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginBottom: 16 }} />}
      <Form form={form} layout="vertical" onFinish={submit} requiredMark={false} style={{ maxWidth: 480 }}>
        <Form.Item
          label={t("common.els")}
          name="els"
          extra={t("link.elsHelp")}
          rules={[{ required: true, message: t("link.elsRequired") }]}
        >
          <Input inputMode="numeric" autoComplete="off" maxLength={20} />
        </Form.Item>
        <Form.Item
          label={t("link.code")}
          name="code"
          extra={t("link.codeHelp")}
          rules={[{ required: true, message: t("link.codeRequired") }]}
        >
          <Input autoComplete="off" maxLength={12} style={{ textTransform: "uppercase" }} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={link.isPending}>
          {t("link.submit")}
        </Button>
      </Form>
    </Card>
  );
}
