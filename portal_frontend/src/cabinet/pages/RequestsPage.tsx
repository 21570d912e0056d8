// «Заявки»: ask a principal to change the household's account data; the requests with their answers.
import { Alert, App, Button, Card, Flex, Form, Input, InputNumber, Select, Typography } from "antd";
import { useState } from "react";
import { payload } from "../../shared/api";
import { formatDateTime } from "../../shared/format";
import { applyErrors } from "../../shared/forms";
import { useGql, useGqlMutation } from "../../shared/hooks";
import { QueryState } from "../../shared/QueryState";
import type { CabinetChangeRequestsQuery, ChangeRequestKind } from "../../gql/graphql";
import { HouseholdPicker, REQUEST_KINDS, RequestStatusTag, useChosenEls, useHouseholds } from "../common";
import { ChangeRequestCreateMutation, ChangeRequestsQuery } from "../queries";
import { ResponsiveTable } from "../ResponsiveTable";

type Request = CabinetChangeRequestsQuery["residentChangeRequests"][number];

export default function RequestsPage() {
  const [els, setEls] = useChosenEls();
  const requests = useGql(ChangeRequestsQuery, { els: els ?? null }, { enabled: !!els });
  const rows = requests.data?.residentChangeRequests ?? [];
  return (
    <Flex vertical gap={16}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        Заявки на изменение данных
      </Typography.Title>
      <HouseholdPicker els={els} onChange={setEls} />
      {els ? <RequestForm els={els} /> : null}
      <Card title="Мои заявки">
        <QueryState
          loading={requests.isLoading}
          error={requests.error}
          retry={() => requests.refetch()}
          empty={!els || rows.length === 0}
          emptyText={els ? "Заявок пока нет" : "Сначала подключите лицевой счёт на странице «Мои счета»"}
        >
          <ResponsiveTable<Request>
            caption="Мои заявки"
            rows={rows}
            rowKey={(r) => r.id}
            cardTitle={(r) => `${REQUEST_KINDS[r.kind] ?? r.kind} · ${r.principalName}`}
            columns={[
              { key: "date", title: "Подана", render: (r) => formatDateTime(r.createdAt) },
              { key: "principal", title: "Поставщик", render: (r) => `${r.principalName}, л/с ${r.accountNumber}` },
              { key: "kind", title: "Что изменить", render: (r) => REQUEST_KINDS[r.kind] ?? r.kind },
              {
                key: "value",
                title: "Новое значение",
                render: (r) => (r.kind === "PERSONS" ? r.persons : r.kind === "PAYER_NAME" ? r.payerName : null) ?? "—",
              },
              { key: "comment", title: "Комментарий", render: (r) => r.comment || "—" },
              { key: "status", title: "Состояние", render: (r) => <RequestStatusTag status={r.status} /> },
              { key: "answer", title: "Ответ", render: (r) => r.answer || "—" },
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
      message.success("Заявка отправлена поставщику");
      form.resetFields(["persons", "payerName", "comment"]);
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };

  return (
    <Card title="Новая заявка">
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
          label="Поставщик"
          name="principalId"
          htmlFor="cabinet-request-principal"
          rules={[{ required: true, message: "Выберите поставщика" }]}
        >
          <Select
            id="cabinet-request-principal"
            options={(household?.accounts ?? []).map((a) => ({
              value: a.principalId,
              label: `${a.principalName}, л/с ${a.accountNumber}`,
            }))}
          />
        </Form.Item>
        <Form.Item label="Что изменить" name="kind" htmlFor="cabinet-request-kind">
          <Select
            id="cabinet-request-kind"
            options={Object.entries(REQUEST_KINDS).map(([value, label]) => ({ value, label }))}
          />
        </Form.Item>
        {kind === "PERSONS" && (
          <Form.Item
            label="Число проживающих"
            name="persons"
            htmlFor="cabinet-request-persons"
            rules={[{ required: true, message: "Укажите число проживающих" }]}
          >
            <InputNumber id="cabinet-request-persons" min={0} max={99} precision={0} />
          </Form.Item>
        )}
        {kind === "PAYER_NAME" && (
          <Form.Item label="ФИО плательщика" name="payerName" rules={[{ required: true, message: "Укажите ФИО" }]}>
            <Input maxLength={200} autoComplete="name" />
          </Form.Item>
        )}
        <Form.Item
          label={kind === "OTHER" ? "Что нужно изменить" : "Комментарий"}
          name="comment"
          rules={kind === "OTHER" ? [{ required: true, message: "Опишите, что нужно изменить" }] : []}
        >
          <Input.TextArea rows={3} maxLength={2000} showCount />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={create.isPending}>
          Отправить заявку
        </Button>
      </Form>
    </Card>
  );
}
