// «Заявки»: ask a principal to change the household's account data; the requests with their answers.
import { Alert, App, Button, Card, Flex, Form, Input, InputNumber, Select, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { payload } from "../../shared/api";
import { formatDateTime } from "../../shared/format";
import { applyErrors } from "../../shared/forms";
import { useGql, useGqlMutation } from "../../shared/hooks";
import { QueryState } from "../../shared/QueryState";
import type { CabinetChangeRequestsQuery, ChangeRequestKind } from "../../gql/graphql";
import { HouseholdPicker, REQUEST_KINDS, RequestStatusTag, useChosenEls, useHouseholds } from "../common";
import { labelOf } from "../../shared/labels";
import { ChangeRequestCreateMutation, ChangeRequestsQuery } from "../queries";
import { ResponsiveTable } from "../ResponsiveTable";

type Request = CabinetChangeRequestsQuery["residentChangeRequests"][number];

export default function RequestsPage() {
  const { t } = useTranslation("cabinet");
  const [els, setEls] = useChosenEls();
  const requests = useGql(ChangeRequestsQuery, { els: els ?? null }, { enabled: !!els });
  const rows = requests.data?.residentChangeRequests ?? [];
  return (
    <Flex vertical gap={16}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        {t("requests.title")}
      </Typography.Title>
      <HouseholdPicker els={els} onChange={setEls} />
      {els ? <RequestForm els={els} /> : null}
      <Card title={t("requests.mine")}>
        <QueryState
          loading={requests.isLoading}
          error={requests.error}
          retry={() => requests.refetch()}
          empty={!els || rows.length === 0}
          emptyText={els ? t("requests.empty") : t("common.linkFirst")}
        >
          <ResponsiveTable<Request>
            caption={t("requests.mine")}
            rows={rows}
            rowKey={(r) => r.id}
            cardTitle={(r) => `${labelOf(t, REQUEST_KINDS, r.kind)} · ${r.principalName}`}
            columns={[
              { key: "date", title: t("requests.submitted"), render: (r) => formatDateTime(r.createdAt) },
              { key: "principal", title: t("common.principal"), render: (r) => t("requests.principalAccount", { principal: r.principalName, account: r.accountNumber }) },
              { key: "kind", title: t("requests.whatToChange"), render: (r) => labelOf(t, REQUEST_KINDS, r.kind) },
              {
                key: "value",
                title: t("requests.newValue"),
                render: (r) => (r.kind === "PERSONS" ? r.persons : r.kind === "PAYER_NAME" ? r.payerName : null) ?? "—",
              },
              { key: "comment", title: t("common.comment"), render: (r) => r.comment || "—" },
              { key: "status", title: t("common.status"), render: (r) => <RequestStatusTag status={r.status} /> },
              { key: "answer", title: t("requests.answer"), render: (r) => r.answer || "—" },
            ]}
          />
        </QueryState>
      </Card>
    </Flex>
  );
}

interface Values {
  principalId: string;
  kind: ChangeRequestKind;
  persons?: number;
  payerName?: string;
  comment?: string;
}

function RequestForm({ els }: { els: string }) {
  const { t } = useTranslation("cabinet");
  const households = useHouseholds();
  const household = households.data?.residentHouseholds.find((h) => h.els === els);
  const [form] = Form.useForm<Values>();
  const [error, setError] = useState<string | null>(null);
  const create = useGqlMutation(ChangeRequestCreateMutation, ["CabinetChangeRequests"]);
  const { message } = App.useApp();
  const kind = Form.useWatch("kind", form);

  const submit = async (values: Values) => {
    setError(null);
    try {
      payload(
        await create.mutateAsync({
          els,
          principalId: values.principalId,
          kind: values.kind,
          persons: values.kind === "PERSONS" ? values.persons ?? null : null,
          payerName: values.kind === "PAYER_NAME" ? values.payerName ?? null : null,
          comment: values.comment ?? null,
        }),
      );
      message.success(t("requests.sent"));
      form.resetFields(["persons", "payerName", "comment"]);
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };

  return (
    <Card title={t("requests.new")}>
      {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginBottom: 16 }} />}
      <Form
        form={form}
        layout="vertical"
        onFinish={submit}
        requiredMark={false}
        style={{ maxWidth: 560 }}
        initialValues={{ kind: "PERSONS", principalId: household?.accounts[0]?.principalId }}
      >
        <Form.Item
          label={t("common.principal")}
          name="principalId"
          htmlFor="cabinet-request-principal"
          rules={[{ required: true, message: t("requests.principalRequired") }]}
        >
          <Select
            id="cabinet-request-principal"
            options={(household?.accounts ?? []).map((a) => ({
              value: a.principalId,
              label: t("requests.principalAccount", { principal: a.principalName, account: a.accountNumber }),
            }))}
          />
        </Form.Item>
        <Form.Item label={t("requests.whatToChange")} name="kind" htmlFor="cabinet-request-kind">
          <Select
            id="cabinet-request-kind"
            options={Object.entries(REQUEST_KINDS).map(([value, key]) => ({ value, label: t(key) }))}
          />
        </Form.Item>
        {kind === "PERSONS" && (
          <Form.Item
            label={t("requestKind.persons")}
            name="persons"
            htmlFor="cabinet-request-persons"
            rules={[{ required: true, message: t("requests.personsRequired") }]}
          >
            <InputNumber id="cabinet-request-persons" min={0} max={99} precision={0} />
          </Form.Item>
        )}
        {kind === "PAYER_NAME" && (
          <Form.Item label={t("requestKind.payerName")} name="payerName" rules={[{ required: true, message: t("common.fullNameRequired") }]}>
            <Input maxLength={200} autoComplete="name" />
          </Form.Item>
        )}
        <Form.Item
          label={kind === "OTHER" ? t("requests.describeChange") : t("common.comment")}
          name="comment"
          rules={kind === "OTHER" ? [{ required: true, message: t("requests.describeChangeRequired") }] : []}
        >
          <Input.TextArea rows={3} maxLength={2000} showCount />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={create.isPending}>
          {t("requests.submit")}
        </Button>
      </Form>
    </Card>
  );
}
