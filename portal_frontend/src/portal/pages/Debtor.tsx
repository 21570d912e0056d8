// A debtor's collection file: the debt by service with its age and the п.118 threshold, the timeline of what was
// done (warnings, restrictions, agreements, court cases), documents, and the actions the user's permissions allow:
// stopping or resuming the work (collection.stop) and the collection steps themselves (collection.manage).
import { ArrowLeftOutlined } from "@ant-design/icons";
import {
  Alert,
  Button,
  Card,
  Checkbox,
  DatePicker,
  Descriptions,
  Empty,
  Form,
  Input,
  InputNumber,
  Modal,
  Select,
  Space,
  Table,
  Tabs,
  Tag,
  Timeline,
  Typography,
} from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";
import { graphql } from "../../gql";
import type { CourtCaseEventKind, PortalDebtorQuery, RestrictionKind, WarningChannel } from "../../gql/graphql";
import { payload, type FieldError } from "../../shared/api";
import { useCan } from "../../shared/auth";
import { StageTag, StatusTag } from "../../shared/collection";
import { formatDate, formatDateTime, formatMoney, formatMonth, formatQuantity } from "../../shared/format";
import { applyErrors } from "../../shared/forms";
import { useGql, useGqlMutation } from "../../shared/hooks";
import { QueryState } from "../../shared/QueryState";

const DebtorQuery = graphql(`
  query PortalDebtor($accountNumber: String!) {
    debtor(accountNumber: $accountNumber) {
      accountNumber payerName address debt principalDebt penalties months maxMonthsOfNorm threshold
      lastPaidOn lastPaidAmount stage stageLabel keptAgreement stopped stoppedReason
      lines {
        serviceCode serviceName restrictable debt principalDebt penalties
        age1 age2 age3 age4to6 age7to12 ageOver12 normCharge monthsOfNorm threshold
      }
      warnings {
        id serviceCode serviceName month debt normCharge channel issuedOn deliveredOn postalId termEnd restrictionFrom status
      }
      restrictions {
        id warningId serviceName kind status executor orderedOn doneOn actNumber liftDue liftedOn liftActNumber
        suspendedOn suspensionFrom
      }
      agreements {
        id number status total parts firstDue signedOn paid shortfall requestedByResident residentNote declineReason
        schedule { seq dueOn amount }
      }
      cases {
        id number route status statusLabel periodFrom periodTo principalDebt penalties stateFee feeSource
        courtName courtCaseNumber recovered costsRecovered
        events { kind label happenedOn amount documentNumber note }
        allowedEvents { kind label }
      }
      documents { kind title createdAt url }
    }
  }
`);

const WorkStopMutation = graphql(`
  mutation PortalCollectionWorkStop($accountNumber: String!, $reason: String!) {
    collectionWorkStop(accountNumber: $accountNumber, reason: $reason) { errors { field message code } }
  }
`);

const WorkResumeMutation = graphql(`
  mutation PortalCollectionWorkResume($accountNumber: String!) {
    collectionWorkResume(accountNumber: $accountNumber) { errors { field message code } }
  }
`);

const WarningIssueMutation = graphql(`
  mutation PortalWarningIssue($accountNumber: String!, $serviceCode: String!, $channel: WarningChannel!) {
    warningIssue(accountNumber: $accountNumber, serviceCode: $serviceCode, channel: $channel) { errors { field message code } }
  }
`);

const WarningDeliveredMutation = graphql(`
  mutation PortalWarningDelivered($id: ID!, $deliveredOn: Date!, $postalId: String) {
    warningDelivered(id: $id, deliveredOn: $deliveredOn, postalId: $postalId) { errors { field message code } }
  }
`);

const RestrictionOrderMutation = graphql(`
  mutation PortalRestrictionOrder(
    $warningId: ID!, $executor: String!, $kind: RestrictionKind, $noTechnicalPossibility: Boolean
  ) {
    restrictionOrder(
      warningId: $warningId, executor: $executor, kind: $kind, noTechnicalPossibility: $noTechnicalPossibility
    ) { errors { field message code } }
  }
`);

const RestrictionSuspendMutation = graphql(`
  mutation PortalRestrictionSuspend($id: ID!, $suspendedOn: Date!) {
    restrictionSuspend(id: $id, suspendedOn: $suspendedOn) { errors { field message code } }
  }
`);

const RestrictionDoneMutation = graphql(`
  mutation PortalRestrictionDone($id: ID!, $doneOn: Date!, $actNumber: String!) {
    restrictionDone(id: $id, doneOn: $doneOn, actNumber: $actNumber) { errors { field message code } }
  }
`);

const RestrictionLiftMutation = graphql(`
  mutation PortalRestrictionLift($id: ID!, $liftedOn: Date!, $actNumber: String) {
    restrictionLift(id: $id, liftedOn: $liftedOn, actNumber: $actNumber) { errors { field message code } }
  }
`);

const AgreementPrepareMutation = graphql(`
  mutation PortalAgreementPrepare($accountNumber: String!, $agreementId: ID, $parts: Int!, $firstDue: Date!) {
    agreementPrepare(accountNumber: $accountNumber, agreementId: $agreementId, parts: $parts, firstDue: $firstDue) { errors { field message code } }
  }
`);

const AgreementSignMutation = graphql(`
  mutation PortalAgreementSign($id: ID!, $signedOn: Date!) {
    agreementSign(id: $id, signedOn: $signedOn) { errors { field message code } }
  }
`);

const AgreementDeclineMutation = graphql(`
  mutation PortalAgreementDecline($id: ID!, $reason: String!) {
    agreementDecline(id: $id, reason: $reason) { errors { field message code } }
  }
`);

const CourtCaseOpenMutation = graphql(`
  mutation PortalCourtCaseOpen($accountNumber: String!) {
    courtCaseOpen(accountNumber: $accountNumber) { errors { field message code } }
  }
`);

const CourtCaseEventMutation = graphql(`
  mutation PortalCourtCaseEvent(
    $caseId: ID!, $kind: CourtCaseEventKind!, $happenedOn: Date!, $amount: Decimal, $documentNumber: String,
    $note: String, $courtName: String, $courtCaseNumber: String
  ) {
    courtCaseEvent(
      caseId: $caseId, kind: $kind, happenedOn: $happenedOn, amount: $amount, documentNumber: $documentNumber,
      note: $note, courtName: $courtName, courtCaseNumber: $courtCaseNumber
    ) { errors { field message code } }
  }
`);

type Detail = NonNullable<PortalDebtorQuery["debtor"]>;
type Values = Record<string, unknown>;
const REFRESH = ["PortalDebtor", "PortalDebtors", "PortalDebtorSummary"];
const iso = (d: unknown) => (d ? (d as Dayjs).format("YYYY-MM-DD") : "");

/** The mutations of the card, each refetching the card, the list and the summary. */
function useActions() {
  return {
    stop: useGqlMutation(WorkStopMutation, REFRESH),
    resume: useGqlMutation(WorkResumeMutation, REFRESH),
    warn: useGqlMutation(WarningIssueMutation, REFRESH),
    delivered: useGqlMutation(WarningDeliveredMutation, REFRESH),
    order: useGqlMutation(RestrictionOrderMutation, REFRESH),
    done: useGqlMutation(RestrictionDoneMutation, REFRESH),
    lift: useGqlMutation(RestrictionLiftMutation, REFRESH),
    suspend: useGqlMutation(RestrictionSuspendMutation, REFRESH),
    prepare: useGqlMutation(AgreementPrepareMutation, REFRESH),
    sign: useGqlMutation(AgreementSignMutation, REFRESH),
    decline: useGqlMutation(AgreementDeclineMutation, REFRESH),
    open: useGqlMutation(CourtCaseOpenMutation, REFRESH),
    event: useGqlMutation(CourtCaseEventMutation, REFRESH),
  };
}

type Actions = ReturnType<typeof useActions>;

/** What an action modal shows: its title, its fields and what it does with their values. */
interface ActionSpec {
  title: string;
  fields: ReactNode;
  initial?: Values;
  /** runs the mutation; its answer's single payload is checked for errors */
  submit: (values: Values) => Promise<unknown>;
}

export default function DebtorPage() {
  const { t } = useTranslation("portal");
  const { accountNumber = "" } = useParams();
  const q = useGql(DebtorQuery, { accountNumber });
  const d = q.data?.debtor;
  const [action, setAction] = useState<ActionSpec | null>(null);
  const actions = useActions();
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Link to="/debtors">
        <ArrowLeftOutlined /> {t("debtor.back")}
      </Link>
      <QueryState loading={q.isLoading} error={q.error} retry={q.refetch} empty={!!q.data && !d} emptyText={t("debtor.notFound")}>
        {d && (
          <>
            <Space wrap style={{ justifyContent: "space-between", width: "100%" }}>
              <Typography.Title level={2} style={{ margin: 0 }}>
                {t("debtor.title", { number: d.accountNumber })}
              </Typography.Title>
              <Toolbar d={d} actions={actions} onAction={setAction} />
            </Space>
            {d.stopped && (
              <Alert type="warning" showIcon title={t("debtor.stoppedAlert")} description={d.stoppedReason ?? undefined} />
            )}
            <General d={d} />
            <Tabs
              items={[
                { key: "lines", label: t("debtor.tabs.lines"), children: <Lines d={d} /> },
                { key: "timeline", label: t("debtor.tabs.timeline"), children: <History d={d} /> },
                {
                  key: "warnings",
                  label: t("debtor.tabs.warnings", { count: d.warnings.length }),
                  children: <Warnings d={d} actions={actions} onAction={setAction} />,
                },
                {
                  key: "restrictions",
                  label: t("debtor.tabs.restrictions", { count: d.restrictions.length }),
                  children: <Restrictions d={d} actions={actions} onAction={setAction} />,
                },
                {
                  key: "agreements",
                  label: t("debtor.tabs.agreements", { count: d.agreements.length }),
                  children: <Agreements d={d} actions={actions} onAction={setAction} />,
                },
                {
                  key: "cases",
                  label: t("debtor.tabs.cases", { count: d.cases.length }),
                  children: <Cases d={d} actions={actions} onAction={setAction} />,
                },
                {
                  key: "documents",
                  label: t("debtor.tabs.documents", { count: d.documents.length }),
                  children: <Documents d={d} />,
                },
              ]}
            />
          </>
        )}
      </QueryState>
      {action && <ActionModal spec={action} onClose={() => setAction(null)} />}
    </Space>
  );
}

/** A modal form for one action: errors of the answer go onto their fields, the rest above the form. */
function ActionModal({ spec, onClose }: { spec: ActionSpec; onClose: () => void }) {
  const { t } = useTranslation("portal");
  const [form] = Form.useForm();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (values: Values) => {
    setError(null);
    setBusy(true);
    try {
      payload((await spec.submit(values)) as Record<string, { errors: FieldError[] } | null>);
      onClose();
    } catch (exc) {
      setError(applyErrors(form, exc));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open
      title={spec.title}
      onCancel={onClose}
      okText={t("debtor.actions.submit")}
      cancelText={t("debtor.actions.cancel")}
      confirmLoading={busy}
      onOk={() => form.submit()}
      destroyOnHidden
    >
      {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginBottom: 16 }} />}
      <Form form={form} layout="vertical" initialValues={spec.initial} onFinish={submit}>
        {spec.fields}
      </Form>
    </Modal>
  );
}

function DateField({ name, label }: { name: string; label: string }) {
  const { t } = useTranslation("portal");
  return (
    <Form.Item name={name} label={label} rules={[{ required: true, message: t("debtor.actions.required") }]}>
      <DatePicker format="DD.MM.YYYY" style={{ width: "100%" }} />
    </Form.Item>
  );
}

function TextField({ name, label, required = true }: { name: string; label: string; required?: boolean }) {
  const { t } = useTranslation("portal");
  return (
    <Form.Item name={name} label={label} rules={required ? [{ required: true, message: t("debtor.actions.required") }] : []}>
      <Input />
    </Form.Item>
  );
}

interface ActionProps {
  d: Detail;
  actions: Actions;
  onAction: (spec: ActionSpec) => void;
}

function Toolbar({ d, actions, onAction }: ActionProps) {
  const { t } = useTranslation("portal");
  const canStop = useCan("COLLECTION_STOP");
  const canManage = useCan("COLLECTION_MANAGE");
  const n = d.accountNumber;
  const restrictable = d.lines.filter((l) => l.restrictable);
  const buttons: ReactNode[] = [];
  if (canStop && !d.stopped) {
    buttons.push(
      <Button
        key="stop"
        danger
        onClick={() =>
          onAction({
            title: t("debtor.actions.stop"),
            fields: <TextField name="reason" label={t("debtor.actions.reason")} />,
            submit: async (v) => actions.stop.mutateAsync({ accountNumber: n, reason: String(v.reason ?? "") }),
          })
        }
      >
        {t("debtor.actions.stop")}
      </Button>,
    );
  }
  if (canStop && d.stopped) {
    buttons.push(
      <Button
        key="resume"
        onClick={() =>
          onAction({
            title: t("debtor.actions.resume"),
            fields: <Typography.Paragraph>{t("debtor.actions.resumeConfirm")}</Typography.Paragraph>,
            submit: async () => actions.resume.mutateAsync({ accountNumber: n }),
          })
        }
      >
        {t("debtor.actions.resume")}
      </Button>,
    );
  }
  if (canManage && !d.stopped) {
    buttons.push(
      <Button
        key="warn"
        disabled={!restrictable.length}
        title={restrictable.length ? undefined : t("debtor.actions.nothingRestrictable")}
        onClick={() =>
          onAction({
            title: t("debtor.actions.warn"),
            initial: { serviceCode: restrictable[0]?.serviceCode, channel: "EPD" },
            fields: (
              <>
                <Form.Item name="serviceCode" label={t("debtor.actions.service")} rules={[{ required: true }]}>
                  <Select options={restrictable.map((l) => ({ value: l.serviceCode, label: l.serviceName }))} />
                </Form.Item>
                <Form.Item name="channel" label={t("debtor.actions.channel")} rules={[{ required: true }]}>
                  <Select
                    options={(["EPD", "REGISTERED_LETTER", "SIGNATURE"] as const).map((c) => ({
                      value: c,
                      label: t(`debtor.channel.${c}`),
                    }))}
                  />
                </Form.Item>
              </>
            ),
            submit: async (v) =>
              actions.warn.mutateAsync({
                accountNumber: n,
                serviceCode: String(v.serviceCode ?? ""),
                channel: v.channel as WarningChannel,
              }),
          })
        }
      >
        {t("debtor.actions.warn")}
      </Button>,
      <Button
        key="agreement"
        onClick={() =>
          onAction({
            title: t("debtor.actions.prepareAgreement"),
            initial: { parts: 6, firstDue: dayjs().add(1, "month").startOf("month").add(9, "day") },
            fields: (
              <>
                <Form.Item name="parts" label={t("debtor.actions.parts")} rules={[{ required: true }]}>
                  <InputNumber min={2} max={36} precision={0} style={{ width: "100%" }} />
                </Form.Item>
                <DateField name="firstDue" label={t("debtor.actions.firstDue")} />
              </>
            ),
            submit: async (v) =>
              actions.prepare.mutateAsync({ accountNumber: n, parts: Number(v.parts), firstDue: iso(v.firstDue) }),
          })
        }
      >
        {t("debtor.actions.prepareAgreement")}
      </Button>,
      <Button
        key="court"
        onClick={() =>
          onAction({
            title: t("debtor.actions.openCase"),
            fields: <Typography.Paragraph>{t("debtor.actions.openCaseConfirm")}</Typography.Paragraph>,
            submit: async () => actions.open.mutateAsync({ accountNumber: n }),
          })
        }
      >
        {t("debtor.actions.openCase")}
      </Button>,
    );
  }
  return <Space wrap>{buttons}</Space>;
}

function General({ d }: { d: Detail }) {
  const { t } = useTranslation("portal");
  return (
    <Card>
      <Descriptions column={{ xs: 1, md: 2, xl: 3 }} bordered size="small">
        <Descriptions.Item label={t("debtors.payer")}>{d.payerName}</Descriptions.Item>
        <Descriptions.Item label={t("debtors.address")}>{d.address}</Descriptions.Item>
        <Descriptions.Item label={t("debtors.stage")}>
          <Space size={4} wrap>
            <StageTag stage={d.stage} label={d.stageLabel} />
            {d.keptAgreement && <Tag color="blue">{t("debtors.keptAgreement")}</Tag>}
            {d.stopped && <Tag>{t("debtors.stoppedTag")}</Tag>}
          </Space>
        </Descriptions.Item>
        <Descriptions.Item label={t("debtors.debt")}>
          <Typography.Text strong type="danger">
            {formatMoney(d.debt)}
          </Typography.Text>
        </Descriptions.Item>
        <Descriptions.Item label={t("debtor.principalDebt")}>{formatMoney(d.principalDebt)}</Descriptions.Item>
        <Descriptions.Item label={t("debtors.penalties")}>{formatMoney(d.penalties)}</Descriptions.Item>
        <Descriptions.Item label={t("debtors.months")}>{d.months}</Descriptions.Item>
        <Descriptions.Item label={t("debtors.monthsOfNorm")}>
          <Space size={4}>
            {formatQuantity(d.maxMonthsOfNorm)}
            {d.threshold && <Tag color="red">{t("debtors.overThreshold")}</Tag>}
          </Space>
        </Descriptions.Item>
        <Descriptions.Item label={t("debtors.lastPaid")}>
          {d.lastPaidOn ? `${formatDate(d.lastPaidOn)}, ${formatMoney(d.lastPaidAmount)}` : "—"}
        </Descriptions.Item>
      </Descriptions>
    </Card>
  );
}

function Lines({ d }: { d: Detail }) {
  const { t } = useTranslation("portal");
  return (
    <Table
      rowKey="serviceCode"
      size="small"
      pagination={false}
      dataSource={d.lines}
      scroll={{ x: 1200 }}
      locale={{ emptyText: t("debtor.lines.empty") }}
      columns={[
        {
          title: t("debtor.lines.service"),
          dataIndex: "serviceName",
          render: (v: string, l) => (
            <Space size={4} wrap>
              <span>{v}</span>
              {l.restrictable && <Tag color="orange">{t("debtor.lines.restrictable")}</Tag>}
            </Space>
          ),
        },
        { title: t("debtors.debt"), dataIndex: "debt", align: "right", render: formatMoney },
        { title: t("debtors.penalties"), dataIndex: "penalties", align: "right", render: formatMoney },
        { title: t("debtor.lines.age1"), dataIndex: "age1", align: "right", render: formatMoney },
        { title: t("debtor.lines.age2"), dataIndex: "age2", align: "right", render: formatMoney },
        { title: t("debtor.lines.age3"), dataIndex: "age3", align: "right", render: formatMoney },
        { title: t("debtor.lines.age4to6"), dataIndex: "age4to6", align: "right", render: formatMoney },
        { title: t("debtor.lines.age7to12"), dataIndex: "age7to12", align: "right", render: formatMoney },
        { title: t("debtor.lines.ageOver12"), dataIndex: "ageOver12", align: "right", render: formatMoney },
        { title: t("debtor.lines.normCharge"), dataIndex: "normCharge", align: "right", render: formatMoney },
        {
          title: t("debtors.monthsOfNorm"),
          dataIndex: "monthsOfNorm",
          align: "right",
          render: (v: string | null, l) => (
            <Space size={4}>
              {formatQuantity(v)}
              {l.threshold && <Tag color="red">{t("debtors.overThreshold")}</Tag>}
            </Space>
          ),
        },
      ]}
    />
  );
}

/** Everything done on the account, oldest first. */
function History({ d }: { d: Detail }) {
  const { t } = useTranslation("portal");
  const items: { on: string; color: string; text: string }[] = [];
  for (const w of d.warnings) {
    items.push({ on: w.issuedOn, color: "gold", text: t("debtor.timeline.warning", { service: w.serviceName, debt: formatMoney(w.debt), channel: t(`debtor.channel.${w.channel}`) }) });
    if (w.deliveredOn) {
      items.push({ on: w.deliveredOn, color: "orange", text: t("debtor.timeline.delivered", { service: w.serviceName, term: formatDate(w.termEnd) }) });
    }
  }
  for (const r of d.restrictions) {
    items.push({ on: r.orderedOn, color: "volcano", text: t("debtor.timeline.ordered", { service: r.serviceName, executor: r.executor }) });
    if (r.doneOn) items.push({ on: r.doneOn, color: "red", text: t("debtor.timeline.restricted", { service: r.serviceName, act: r.actNumber }) });
    if (r.liftedOn) items.push({ on: r.liftedOn, color: "green", text: t("debtor.timeline.lifted", { service: r.serviceName }) });
  }
  for (const a of d.agreements) {
    if (a.signedOn) items.push({ on: a.signedOn, color: "blue", text: t("debtor.timeline.agreement", { number: a.number, parts: a.parts, total: formatMoney(a.total) }) });
  }
  for (const c of d.cases) {
    for (const e of c.events) {
      items.push({ on: e.happenedOn, color: "purple", text: `${c.number}: ${e.label}${e.amount ? `, ${formatMoney(e.amount)}` : ""}` });
    }
  }
  items.sort((a, b) => a.on.localeCompare(b.on));
  if (!items.length) return <Empty description={t("debtor.timeline.empty")} />;
  return (
    <Card>
      <Timeline
        items={items.map((i) => ({
          color: i.color,
          content: (
            <span>
              <Typography.Text strong>{formatDate(i.on)}</Typography.Text> — {i.text}
            </span>
          ),
        }))}
      />
    </Card>
  );
}

function Warnings({ d, actions, onAction }: ActionProps) {
  const { t } = useTranslation("portal");
  const canManage = useCan("COLLECTION_MANAGE");
  return (
    <Table
      rowKey="id"
      size="small"
      pagination={false}
      dataSource={d.warnings}
      scroll={{ x: 1100 }}
      locale={{ emptyText: t("debtor.warnings.empty") }}
      columns={[
        { title: t("debtor.warnings.month"), dataIndex: "month", render: formatMonth },
        { title: t("debtor.lines.service"), dataIndex: "serviceName" },
        { title: t("debtors.debt"), dataIndex: "debt", align: "right", render: formatMoney },
        { title: t("debtor.actions.channel"), dataIndex: "channel", render: (c: string) => t(`debtor.channel.${c}` as "debtor.channel.EPD") },
        { title: t("debtor.warnings.issued"), dataIndex: "issuedOn", render: formatDate },
        { title: t("debtor.warnings.delivered"), dataIndex: "deliveredOn", render: formatDate },
        { title: t("debtor.warnings.termEnd"), dataIndex: "termEnd", render: formatDate },
        {
          title: t("debtor.status"),
          dataIndex: "status",
          render: (s: string) => <StatusTag status={s} label={t(`debtor.warningStatus.${s}` as "debtor.warningStatus.ISSUED")} />,
        },
        ...(canManage
          ? [
              {
                title: t("debtor.actions.title"),
                key: "actions",
                render: (_v: unknown, w: Detail["warnings"][number]) => (
                  <Space wrap>
                    {w.status === "ISSUED" && !w.deliveredOn && (
                      <Button
                        size="small"
                        onClick={() =>
                          onAction({
                            title: t("debtor.actions.delivered"),
                            initial: { deliveredOn: dayjs() },
                            fields: (
                              <>
                                <DateField name="deliveredOn" label={t("debtor.actions.deliveredOn")} />
                                <TextField name="postalId" label={t("debtor.actions.postalId")} required={false} />
                              </>
                            ),
                            submit: async (v) =>
                              actions.delivered.mutateAsync({
                                id: w.id,
                                deliveredOn: iso(v.deliveredOn),
                                postalId: (v.postalId as string) || null,
                              }),
                          })
                        }
                      >
                        {t("debtor.actions.delivered")}
                      </Button>
                    )}
                    {w.status === "DELIVERED" && (
                      <Button
                        size="small"
                        onClick={() =>
                          onAction({
                            title: t("debtor.actions.order"),
                            initial: { kind: "RESTRICTION" },
                            fields: (
                              <>
                                {w.restrictionFrom && (
                                  <Typography.Paragraph type="secondary">
                                    {t("debtor.actions.restrictionFrom", { date: formatDate(w.restrictionFrom) })}
                                  </Typography.Paragraph>
                                )}
                                <TextField name="executor" label={t("debtor.actions.executor")} />
                                <Form.Item name="kind" label={t("debtor.actions.kind")}>
                                  <Select
                                    options={(["RESTRICTION", "SUSPENSION"] as const).map((k) => ({
                                      value: k,
                                      label: t(`debtor.restrictionKind.${k}`),
                                    }))}
                                  />
                                </Form.Item>
                                <Form.Item name="noTechnicalPossibility" valuePropName="checked">
                                  <Checkbox>{t("debtor.actions.noTechnicalPossibility")}</Checkbox>
                                </Form.Item>
                              </>
                            ),
                            submit: async (v) =>
                              actions.order.mutateAsync({
                                warningId: w.id,
                                executor: String(v.executor ?? ""),
                                kind: v.kind as RestrictionKind,
                                noTechnicalPossibility: Boolean(v.noTechnicalPossibility),
                              }),
                          })
                        }
                      >
                        {t("debtor.actions.order")}
                      </Button>
                    )}
                  </Space>
                ),
              },
            ]
          : []),
      ]}
    />
  );
}

function Restrictions({ d, actions, onAction }: ActionProps) {
  const { t } = useTranslation("portal");
  const canManage = useCan("COLLECTION_MANAGE");
  const actForm = (name: string, title: string, run: (v: Values) => Promise<unknown>) =>
    onAction({
      title,
      initial: { [name]: dayjs() },
      fields: (
        <>
          <DateField name={name} label={t("debtor.actions.date")} />
          <TextField name="actNumber" label={t("debtor.actions.actNumber")} />
        </>
      ),
      submit: run,
    });
  return (
    <Table
      rowKey="id"
      size="small"
      pagination={false}
      dataSource={d.restrictions}
      scroll={{ x: 1100 }}
      locale={{ emptyText: t("debtor.restrictions.empty") }}
      columns={[
        { title: t("debtor.lines.service"), dataIndex: "serviceName" },
        { title: t("debtor.actions.kind"), dataIndex: "kind", render: (k: string) => t(`debtor.restrictionKind.${k}` as "debtor.restrictionKind.RESTRICTION") },
        {
          title: t("debtor.status"),
          dataIndex: "status",
          render: (s: string) => <StatusTag status={s} label={t(`debtor.restrictionStatus.${s}` as "debtor.restrictionStatus.ORDERED")} />,
        },
        { title: t("debtor.actions.executor"), dataIndex: "executor" },
        { title: t("debtor.restrictions.ordered"), dataIndex: "orderedOn", render: formatDate },
        { title: t("debtor.restrictions.done"), render: (_v, r) => (r.doneOn ? `${formatDate(r.doneOn)} (${r.actNumber})` : "—") },
        { title: t("debtor.restrictions.suspended"), dataIndex: "suspendedOn", render: formatDate },
        { title: t("debtor.restrictions.liftDue"), dataIndex: "liftDue", render: formatDate },
        { title: t("debtor.restrictions.lifted"), render: (_v, r) => (r.liftedOn ? `${formatDate(r.liftedOn)} (${r.liftActNumber})` : "—") },
        ...(canManage
          ? [
              {
                title: t("debtor.actions.title"),
                key: "actions",
                render: (_v: unknown, r: Detail["restrictions"][number]) => (
                  <Space wrap>
                    {r.status === "ORDERED" && (
                      <Button
                        size="small"
                        onClick={() =>
                          actForm("doneOn", t("debtor.actions.done"), (v) =>
                            actions.done.mutateAsync({ id: r.id, doneOn: iso(v.doneOn), actNumber: String(v.actNumber ?? "") }),
                          )
                        }
                      >
                        {t("debtor.actions.done")}
                      </Button>
                    )}
                    {r.status === "DONE" && (
                      <Button
                        size="small"
                        onClick={() =>
                          actForm("liftedOn", t("debtor.actions.lift"), (v) =>
                            actions.lift.mutateAsync({ id: r.id, liftedOn: iso(v.liftedOn), actNumber: (v.actNumber as string) || null }),
                          )
                        }
                      >
                        {t("debtor.actions.lift")}
                      </Button>
                    )}
                    {r.status === "DONE" && r.kind === "RESTRICTION" && (
                      <Button
                        size="small"
                        onClick={() =>
                          onAction({
                            title: t("debtor.actions.suspend"),
                            initial: { suspendedOn: dayjs() },
                            fields: (
                              <>
                                {r.suspensionFrom && (
                                  <Typography.Paragraph type="secondary">
                                    {t("debtor.actions.suspensionFrom", { date: formatDate(r.suspensionFrom) })}
                                  </Typography.Paragraph>
                                )}
                                <DateField name="suspendedOn" label={t("debtor.actions.date")} />
                              </>
                            ),
                            submit: async (v) => actions.suspend.mutateAsync({ id: r.id, suspendedOn: iso(v.suspendedOn) }),
                          })
                        }
                      >
                        {t("debtor.actions.suspend")}
                      </Button>
                    )}
                  </Space>
                ),
              },
            ]
          : []),
      ]}
    />
  );
}

function Agreements({ d, actions, onAction }: ActionProps) {
  const { t } = useTranslation("portal");
  const canManage = useCan("COLLECTION_MANAGE");
  if (!d.agreements.length) return <Empty description={t("debtor.agreements.empty")} />;
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      {d.agreements.map((a) => (
        <Card
          key={a.id}
          size="small"
          title={t("debtor.agreements.title", { number: a.number })}
          extra={
            <Space wrap>
              <StatusTag status={a.status} label={t(`debtor.agreementStatus.${a.status}` as "debtor.agreementStatus.DRAFT")} />
              {canManage && (a.status === "DRAFT" || a.status === "REQUESTED") && (
                <>
                  {a.status === "DRAFT" && (
                    <Button
                      size="small"
                      type="primary"
                      onClick={() =>
                        onAction({
                          title: t("debtor.actions.sign"),
                          initial: { signedOn: dayjs() },
                          fields: <DateField name="signedOn" label={t("debtor.actions.signedOn")} />,
                          submit: async (v) => actions.sign.mutateAsync({ id: a.id, signedOn: iso(v.signedOn) }),
                        })
                      }
                    >
                      {t("debtor.actions.sign")}
                    </Button>
                  )}
                  {a.status === "REQUESTED" && (
                    <Button
                      size="small"
                      type="primary"
                      onClick={() =>
                        onAction({
                          title: t("debtor.actions.prepareAgreement"),
                          initial: { parts: a.parts, firstDue: dayjs().add(1, "month").startOf("month").add(9, "day") },
                          fields: (
                            <>
                              <Form.Item name="parts" label={t("debtor.actions.parts")} rules={[{ required: true }]}>
                                <InputNumber min={2} max={36} precision={0} style={{ width: "100%" }} />
                              </Form.Item>
                              <DateField name="firstDue" label={t("debtor.actions.firstDue")} />
                            </>
                          ),
                          submit: async (v) =>
                            actions.prepare.mutateAsync({ accountNumber: d.accountNumber, agreementId: a.id, parts: Number(v.parts), firstDue: iso(v.firstDue) }),
                        })
                      }
                    >
                      {t("debtor.actions.prepareAgreement")}
                    </Button>
                  )}
                  <Button
                    size="small"
                    danger
                    onClick={() =>
                      onAction({
                        title: t("debtor.actions.decline"),
                        fields: <TextField name="reason" label={t("debtor.actions.reason")} />,
                        submit: async (v) => actions.decline.mutateAsync({ id: a.id, reason: String(v.reason ?? "") }),
                      })
                    }
                  >
                    {t("debtor.actions.decline")}
                  </Button>
                </>
              )}
            </Space>
          }
        >
          <Descriptions size="small" column={{ xs: 1, md: 3 }}>
            <Descriptions.Item label={t("debtor.agreements.total")}>{formatMoney(a.total)}</Descriptions.Item>
            <Descriptions.Item label={t("debtor.actions.parts")}>{a.parts}</Descriptions.Item>
            <Descriptions.Item label={t("debtor.actions.signedOn")}>{formatDate(a.signedOn)}</Descriptions.Item>
            <Descriptions.Item label={t("debtor.agreements.paid")}>{formatMoney(a.paid)}</Descriptions.Item>
            <Descriptions.Item label={t("debtor.agreements.shortfall")}>
              <Typography.Text type={Number(a.shortfall) > 0 ? "danger" : undefined}>{formatMoney(a.shortfall)}</Typography.Text>
            </Descriptions.Item>
            {a.requestedByResident && (
              <Descriptions.Item label={t("debtor.agreements.residentNote")}>{a.residentNote || "—"}</Descriptions.Item>
            )}
            {a.declineReason && <Descriptions.Item label={t("debtor.agreements.declineReason")}>{a.declineReason}</Descriptions.Item>}
          </Descriptions>
          {a.schedule.length > 0 && (
            <Table
              rowKey="seq"
              size="small"
              pagination={false}
              dataSource={a.schedule}
              columns={[
                { title: "№", dataIndex: "seq" },
                { title: t("debtor.agreements.dueOn"), dataIndex: "dueOn", render: formatDate },
                { title: t("debtor.agreements.amount"), dataIndex: "amount", align: "right", render: formatMoney },
              ]}
            />
          )}
        </Card>
      ))}
    </Space>
  );
}

function Cases({ d, actions, onAction }: ActionProps) {
  const { t } = useTranslation("portal");
  const canManage = useCan("COLLECTION_MANAGE");
  if (!d.cases.length) return <Empty description={t("debtor.cases.empty")} />;
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      {d.cases.map((c) => (
        <Card
          key={c.id}
          size="small"
          title={t("debtor.cases.title", { number: c.number, route: t(`debtor.route.${c.route}` as "debtor.route.ORDER") })}
          extra={
            <Space wrap>
              <StatusTag status={c.status} label={c.statusLabel} />
              {canManage && c.allowedEvents.length > 0 && (
                <Button
                  size="small"
                  onClick={() =>
                    onAction({
                      title: t("debtor.actions.event"),
                      initial: { kind: c.allowedEvents[0].kind, happenedOn: dayjs() },
                      fields: (
                        <>
                          <Form.Item name="kind" label={t("debtor.actions.eventKind")} rules={[{ required: true }]}>
                            <Select options={c.allowedEvents.map((e) => ({ value: e.kind, label: e.label }))} />
                          </Form.Item>
                          <DateField name="happenedOn" label={t("debtor.actions.date")} />
                          <Form.Item name="amount" label={t("debtor.actions.amount")}>
                            <InputNumber min="0" stringMode decimalSeparator="," style={{ width: "100%" }} />
                          </Form.Item>
                          <TextField name="documentNumber" label={t("debtor.actions.documentNumber")} required={false} />
                          <TextField name="courtName" label={t("debtor.cases.court")} required={false} />
                          <TextField name="courtCaseNumber" label={t("debtor.actions.courtCaseNumber")} required={false} />
                          <TextField name="note" label={t("debtor.actions.note")} required={false} />
                        </>
                      ),
                      submit: async (v) =>
                        actions.event.mutateAsync({
                          caseId: c.id,
                          kind: v.kind as CourtCaseEventKind,
                          happenedOn: iso(v.happenedOn),
                          amount: v.amount ? String(v.amount).replace(",", ".") : null,
                          documentNumber: (v.documentNumber as string) || null,
                          note: (v.note as string) || null,
                          courtName: (v.courtName as string) || null,
                          courtCaseNumber: (v.courtCaseNumber as string) || null,
                        }),
                    })
                  }
                >
                  {t("debtor.actions.event")}
                </Button>
              )}
            </Space>
          }
        >
          <Descriptions size="small" column={{ xs: 1, md: 3 }}>
            <Descriptions.Item label={t("debtor.cases.period")}>
              {formatMonth(c.periodFrom)} — {formatMonth(c.periodTo)}
            </Descriptions.Item>
            <Descriptions.Item label={t("debtor.principalDebt")}>{formatMoney(c.principalDebt)}</Descriptions.Item>
            <Descriptions.Item label={t("debtors.penalties")}>{formatMoney(c.penalties)}</Descriptions.Item>
            <Descriptions.Item label={t("debtor.cases.stateFee")}>
              <span title={c.feeSource}>{formatMoney(c.stateFee)}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t("debtor.cases.court")}>
              {c.courtName || "—"}
              {c.courtCaseNumber ? `, № ${c.courtCaseNumber}` : ""}
            </Descriptions.Item>
            <Descriptions.Item label={t("debtor.cases.recovered")}>
              {formatMoney(c.recovered)}
              {Number(c.costsRecovered) > 0 ? ` + ${formatMoney(c.costsRecovered)}` : ""}
            </Descriptions.Item>
          </Descriptions>
          <Table
            rowKey={(e) => `${e.kind}-${e.happenedOn}-${e.documentNumber}`}
            size="small"
            pagination={false}
            dataSource={c.events}
            locale={{ emptyText: t("debtor.cases.noEvents") }}
            columns={[
              { title: t("debtor.actions.date"), dataIndex: "happenedOn", render: formatDate },
              { title: t("debtor.actions.eventKind"), dataIndex: "label" },
              { title: t("debtor.actions.amount"), dataIndex: "amount", align: "right", render: formatMoney },
              { title: t("debtor.actions.documentNumber"), dataIndex: "documentNumber" },
              { title: t("debtor.actions.note"), dataIndex: "note" },
            ]}
          />
        </Card>
      ))}
    </Space>
  );
}

function Documents({ d }: { d: Detail }) {
  const { t } = useTranslation("portal");
  return (
    <Table
      rowKey={(doc) => `${doc.kind}-${doc.createdAt}-${doc.title}`}
      size="small"
      pagination={false}
      dataSource={d.documents}
      locale={{ emptyText: t("debtor.documents.empty") }}
      columns={[
        {
          title: t("debtor.documents.title"),
          dataIndex: "title",
          render: (v: string, doc) => (doc.url ? <a href={doc.url} target="_blank" rel="noreferrer">{v}</a> : v),
        },
        { title: t("debtor.documents.created"), dataIndex: "createdAt", render: formatDateTime },
      ]}
    />
  );
}
