// An agency contract: fee rate, minimum and maximum, services, payout schedule, QR mode, dates, payout bank.
import { App, DatePicker, Form, Input, InputNumber, Modal, Select } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { graphql } from "../../gql";
import type { PayoutSchedule, QrMode, ServiceKind } from "../../gql/graphql";
import { payload } from "../../shared/api";
import { applyErrors } from "../../shared/forms";
import { useGqlMutation } from "../../shared/hooks";
import { optionsOf } from "../../shared/labels";
import { ErrorBanner, PAYOUT_SCHEDULE, QR_MODE, SERVICE_KIND } from "../common";

const CreateMutation = graphql(`
  mutation OfficeAgencyContractCreate($principalId: ID!, $input: AgencyContractInput!) {
    agencyContractCreate(principalId: $principalId, input: $input) {
      errors { field message code }
      agencyContract { id }
      requisitesChange { id }
    }
  }
`);

const UpdateMutation = graphql(`
  mutation OfficeAgencyContractUpdate($id: ID!, $input: AgencyContractUpdateInput!) {
    agencyContractUpdate(id: $id, input: $input) {
      errors { field message code }
      agencyContract { id }
      requisitesChange { id }
    }
  }
`);

export interface ContractValues {
  id: string;
  number: string;
  signedOn: string;
  validFrom: string;
  validTo?: string | null;
  feeRate: string;
  feeMin?: string | null;
  feeMax?: string | null;
  services: ServiceKind[];
  payoutSchedule: PayoutSchedule;
  qrMode: QrMode;
  payoutBankName: string;
  payoutBic: string;
  payoutAccount: string;
  payoutCorrespondentAccount: string;
}

interface FormValues {
  number: string;
  signedOn: Dayjs;
  validFrom: Dayjs;
  validTo?: Dayjs | null;
  feeRate: string;
  feeMin?: string | null;
  feeMax?: string | null;
  services: ServiceKind[];
  payoutSchedule: PayoutSchedule;
  qrMode: QrMode;
  payoutBankName?: string;
  payoutBic?: string;
  payoutAccount?: string;
  payoutCorrespondentAccount?: string;
}

const day = (d?: Dayjs | null) => (d ? d.format("YYYY-MM-DD") : null);
const money = (v?: string | number | null) => (v === null || v === undefined || v === "" ? null : String(v));
const blank = (v?: string) => (v && v.trim() ? v.trim() : null);

interface Props {
  open: boolean;
  onClose: () => void;
  principalId: string;
  contract?: ContractValues;
}

export function ContractFormModal({ open, onClose, principalId, contract }: Props) {
  const { t } = useTranslation("office");
  const [form] = Form.useForm<FormValues>();
  const [error, setError] = useState<string | null>(null);
  const { message } = App.useApp();
  const create = useGqlMutation(CreateMutation, ["OfficePrincipal", "OfficeRequisitesChanges"]);
  const update = useGqlMutation(UpdateMutation, ["OfficePrincipal", "OfficeRequisitesChanges"]);

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    setError(null);
    if (contract) {
      form.setFieldsValue({
        ...contract,
        signedOn: dayjs(contract.signedOn),
        validFrom: dayjs(contract.validFrom),
        validTo: contract.validTo ? dayjs(contract.validTo) : null,
      });
    }
  }, [open, contract, form]);

  const submit = async () => {
    let v: FormValues;
    try {
      v = await form.validateFields();
    } catch {
      return;
    }
    setError(null);
    const common = {
      validTo: day(v.validTo),
      feeRate: String(v.feeRate),
      feeMin: money(v.feeMin),
      feeMax: money(v.feeMax),
      services: v.services,
      payoutSchedule: v.payoutSchedule,
      qrMode: v.qrMode,
      payoutBankName: blank(v.payoutBankName),
      payoutBic: blank(v.payoutBic),
      payoutAccount: blank(v.payoutAccount),
      payoutCorrespondentAccount: blank(v.payoutCorrespondentAccount),
    };
    try {
      let pending: boolean;
      if (contract) {
        pending = Boolean(payload(await update.mutateAsync({ id: contract.id, input: common })).requisitesChange);
      } else {
        const created = payload(
          await create.mutateAsync({
            principalId,
            input: { ...common, number: v.number, signedOn: day(v.signedOn)!, validFrom: day(v.validFrom)!, feeRate: common.feeRate },
          }),
        );
        pending = Boolean(created.requisitesChange);
      }
      // a new payout account takes effect only when another person, an approver, confirms it
      if (pending) message.info(t("contractForm.savedPending"));
      else message.success(t("contractForm.saved"));
      onClose();
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };

  const grid = { display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(180px, 1fr))", columnGap: 16 } as const;

  return (
    <Modal
      open={open}
      title={contract ? t("contractForm.editTitle", { number: contract.number }) : t("contractForm.newTitle")}
      okText={t("common.save")}
      cancelText={t("common.cancel")}
      onOk={submit}
      onCancel={onClose}
      confirmLoading={create.isPending || update.isPending}
      width={760}
      destroyOnHidden
    >
      <ErrorBanner message={error} />
      <Form
        form={form}
        layout="vertical"
        initialValues={{ payoutSchedule: "DAILY", qrMode: "PER_PAYEE", services: [] }}
      >
        <div style={grid}>
          <Form.Item label={t("contractForm.number")} name="number" rules={[{ required: true, message: t("contractForm.numberRequired") }]}>
            <Input disabled={Boolean(contract)} />
          </Form.Item>
          <Form.Item label={t("contractForm.signedOn")} name="signedOn" rules={[{ required: true, message: t("contractForm.dateRequired") }]}>
            <DatePicker format="DD.MM.YYYY" disabled={Boolean(contract)} style={{ width: "100%" }} />
          </Form.Item>
          <Form.Item label={t("contractForm.validFrom")} name="validFrom" rules={[{ required: true, message: t("contractForm.dateRequired") }]}>
            <DatePicker format="DD.MM.YYYY" disabled={Boolean(contract)} style={{ width: "100%" }} />
          </Form.Item>
          <Form.Item label={t("contractForm.validTo")} name="validTo" extra={t("contractForm.validToHint")}>
            <DatePicker format="DD.MM.YYYY" style={{ width: "100%" }} />
          </Form.Item>
        </div>
        <div style={grid}>
          <Form.Item
            label={t("contractForm.feeRate")}
            name="feeRate"
            rules={[{ required: true, message: t("contractForm.feeRateRequired") }]}
          >
            <InputNumber<string> stringMode min="0" max="100" step="0.01" decimalSeparator="," style={{ width: "100%" }} />
          </Form.Item>
          <Form.Item label={t("contractForm.feeMin")} name="feeMin">
            <InputNumber<string> stringMode min="0" step="0.01" precision={2} decimalSeparator="," style={{ width: "100%" }} />
          </Form.Item>
          <Form.Item
            label={t("contractForm.feeMax")}
            name="feeMax"
            dependencies={["feeMin"]}
            rules={[
              ({ getFieldValue }) => ({
                validator: (_, value) => {
                  const min = getFieldValue("feeMin");
                  if (!value || !min || Number(value) >= Number(min)) return Promise.resolve();
                  return Promise.reject(new Error(t("contractForm.feeMaxBelowMin")));
                },
              }),
            ]}
          >
            <InputNumber<string> stringMode min="0" step="0.01" precision={2} decimalSeparator="," style={{ width: "100%" }} />
          </Form.Item>
        </div>
        <Form.Item label={t("contractForm.services")} name="services" rules={[{ required: true, message: t("contractForm.servicesRequired") }]}>
          <Select mode="multiple" options={optionsOf(t, SERVICE_KIND)} />
        </Form.Item>
        <div style={grid}>
          <Form.Item label={t("contractForm.payoutSchedule")} name="payoutSchedule" rules={[{ required: true }]}>
            <Select options={optionsOf(t, PAYOUT_SCHEDULE)} />
          </Form.Item>
          <Form.Item label={t("contractForm.qrMode")} name="qrMode" rules={[{ required: true }]}>
            <Select options={optionsOf(t, QR_MODE)} />
          </Form.Item>
        </div>
        <div style={grid}>
          <Form.Item label={t("contractForm.payoutBank")} name="payoutBankName" extra={t("contractForm.payoutBankHint")}>
            <Input />
          </Form.Item>
          <Form.Item label={t("contractForm.bic")} name="payoutBic" rules={[{ pattern: /^\d{9}$/, message: t("contractForm.digits9") }]}>
            <Input inputMode="numeric" />
          </Form.Item>
          <Form.Item label={t("contractForm.payoutAccount")} name="payoutAccount" rules={[{ pattern: /^\d{20}$/, message: t("contractForm.digits20") }]}>
            <Input inputMode="numeric" />
          </Form.Item>
          <Form.Item
            label={t("contractForm.payoutCorrAccount")}
            name="payoutCorrespondentAccount"
            rules={[{ pattern: /^\d{20}$/, message: t("contractForm.digits20") }]}
          >
            <Input inputMode="numeric" />
          </Form.Item>
        </div>
      </Form>
    </Modal>
  );
}
