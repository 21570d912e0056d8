// Pending changes of payees' bank requisites (four eyes): what is in force, what it would become, who proposed it;
// «Подтвердить» for a different approver, «Отклонить» for an approver or the proposer. The server decides who may;
// the buttons only follow what it says (confirmRefusal, canReject).
import { Alert, App, Button, Card, Descriptions, Input, Modal, Space, Tooltip, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { graphql } from "../../gql";
import type { OfficeRequisitesChangesQuery } from "../../gql/graphql";
import { payload } from "../../shared/api";
import { formatDateTime } from "../../shared/format";
import { useGql, useGqlMutation } from "../../shared/hooks";
import { ErrorBanner, runShowingError } from "../common";

export const RequisitesChangesQuery = graphql(`
  query OfficeRequisitesChanges($principalId: ID) {
    requisitesChanges(status: PENDING, principalId: $principalId) {
      id principalId principalName contractId contractNumber status proposedByName proposedAt confirmRefusal canReject
      before { bankName bic account correspondentAccount }
      proposed { bankName bic account correspondentAccount }
    }
  }
`);

const ConfirmMutation = graphql(`
  mutation OfficeRequisitesChangeConfirm($id: ID!) {
    requisitesChangeConfirm(id: $id) { errors { field message code } requisitesChange { id status } }
  }
`);

const RejectMutation = graphql(`
  mutation OfficeRequisitesChangeReject($id: ID!, $note: String) {
    requisitesChangeReject(id: $id, note: $note) { errors { field message code } requisitesChange { id status } }
  }
`);

type Change = OfficeRequisitesChangesQuery["requisitesChanges"][number];
const REFRESH = ["OfficeRequisitesChanges", "OfficePrincipal", "OfficePrincipals"];

/** The pending changes of one principal (its own requisites and its contracts' payout accounts). */
export function PendingRequisitesChanges({ principalId }: { principalId: string }) {
  const { t } = useTranslation("office");
  const query = useGql(RequisitesChangesQuery, { principalId });
  const changes = query.data?.requisitesChanges ?? [];
  if (!changes.length) return null;
  return (
    <Card title={t("requisitesChanges.title")} style={{ marginBottom: 16, borderColor: "#faad14" }}>
      <Typography.Paragraph type="secondary">{t("requisitesChanges.hint")}</Typography.Paragraph>
      {changes.map((c) => (
        <ChangeItem key={c.id} change={c} />
      ))}
    </Card>
  );
}

/** On the principals' list: how many changes wait, with a link to each principal. */
export function PendingRequisitesNotice() {
  const { t } = useTranslation("office");
  const query = useGql(RequisitesChangesQuery, { principalId: null });
  const changes = query.data?.requisitesChanges ?? [];
  if (!changes.length) return null;
  const names = new Map(changes.map((c) => [c.principalId, c.principalName]));
  return (
    <Alert
      type="warning"
      showIcon
      style={{ marginBottom: 16 }}
      title={t("requisitesChanges.pendingCount", { count: changes.length })}
      description={
        <Space wrap>
          {[...names].map(([id, name]) => (
            <Link key={id} to={`/principals/${id}`}>
              {name}
            </Link>
          ))}
        </Space>
      }
    />
  );
}

function ChangeItem({ change }: { change: Change }) {
  const { t } = useTranslation("office");
  const { message } = App.useApp();
  const [error, setError] = useState<string | null>(null);
  const [rejecting, setRejecting] = useState(false);
  const [note, setNote] = useState("");
  const confirm = useGqlMutation(ConfirmMutation, REFRESH);
  const reject = useGqlMutation(RejectMutation, REFRESH);
  const what = change.contractNumber
    ? t("requisitesChanges.ofContract", { number: change.contractNumber })
    : t("requisitesChanges.ofPrincipal");

  const run = (action: () => Promise<void>) => runShowingError(setError, action);
  const doConfirm = () =>
    run(async () => {
      payload(await confirm.mutateAsync({ id: change.id }));
      message.success(t("requisitesChanges.confirmed"));
    });
  const doReject = () =>
    run(async () => {
      payload(await reject.mutateAsync({ id: change.id, note: note || null }));
      setRejecting(false);
      message.success(t("requisitesChanges.rejected"));
    });

  const row = (key: "bankName" | "bic" | "account" | "correspondentAccount", label: string) => ({
    key,
    label,
    children:
      change.before[key] === change.proposed[key] ? (
        change.proposed[key]
      ) : (
        <Space orientation="vertical" size={0}>
          <Typography.Text delete type="secondary">
            {t("requisitesChanges.before")}: {change.before[key]}
          </Typography.Text>
          <Typography.Text strong>
            {t("requisitesChanges.after")}: {change.proposed[key]}
          </Typography.Text>
        </Space>
      ),
  });

  return (
    <div style={{ marginBottom: 16 }} role="group" aria-label={what}>
      <Typography.Title level={5} style={{ marginTop: 0 }}>
        {what}
      </Typography.Title>
      <Typography.Paragraph type="secondary">
        {t("requisitesChanges.proposedBy", { name: change.proposedByName, at: formatDateTime(change.proposedAt) })}
      </Typography.Paragraph>
      <ErrorBanner message={error} onClose={() => setError(null)} />
      <Descriptions
        size="small"
        column={{ xs: 1, md: 2 }}
        items={[
          row("bankName", t("requisitesChanges.bank")),
          row("bic", t("requisitesChanges.bic")),
          row("account", t("requisitesChanges.account")),
          row("correspondentAccount", t("requisitesChanges.corrAccount")),
        ]}
      />
      <Space wrap style={{ marginTop: 8 }}>
        <Tooltip title={change.confirmRefusal ?? undefined}>
          <Button
            type="primary"
            onClick={doConfirm}
            loading={confirm.isPending}
            disabled={Boolean(change.confirmRefusal)}
            aria-label={t("requisitesChanges.confirmLabel", { what })}
          >
            {t("requisitesChanges.confirm")}
          </Button>
        </Tooltip>
        {change.canReject && (
          <Button danger onClick={() => setRejecting(true)} aria-label={t("requisitesChanges.rejectLabel", { what })}>
            {t("requisitesChanges.reject")}
          </Button>
        )}
      </Space>
      {change.confirmRefusal && (
        <Typography.Paragraph type="secondary" style={{ marginTop: 8, marginBottom: 0 }}>
          {change.confirmRefusal}
        </Typography.Paragraph>
      )}
      <Modal
        open={rejecting}
        title={t("requisitesChanges.rejectTitle")}
        okText={t("requisitesChanges.reject")}
        okButtonProps={{ danger: true, loading: reject.isPending }}
        cancelText={t("common.cancel")}
        onOk={doReject}
        onCancel={() => setRejecting(false)}
      >
        <Input.TextArea
          aria-label={t("requisitesChanges.rejectNote")}
          placeholder={t("requisitesChanges.rejectNote")}
          value={note}
          maxLength={500}
          onChange={(e) => setNote(e.target.value)}
        />
      </Modal>
    </div>
  );
}
