// «Оплатить»: choose the amount (the ЕПД's or one's own), pay by card in the gateway's form, wait for
// the gateway's webhook to post the payment, then the success page.
import { CreditCardOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Flex, Form, Input, Radio, Result, Steps, Typography } from "antd";
import { useState } from "react";
import { Trans, useTranslation } from "react-i18next";
import { useNavigate } from "react-router-dom";
import { payload } from "../../shared/api";
import { formatMoney, toKopecks } from "../../shared/format";
import { applyErrors } from "../../shared/forms";
import { useGqlMutation } from "../../shared/hooks";
import { QueryState } from "../../shared/QueryState";
import { HouseholdPicker, useChosenEls, useHouseholds } from "../common";
import { PaymentStartMutation } from "../queries";
import { CardStep } from "./PayCardStep";

export interface StartedPayment {
  els: string;
  onlinePaymentId: string;
  clientSecret: string;
  amount: string;
}

type Stage = { step: "amount" } | { step: "card"; payment: StartedPayment } | { step: "done"; payment: StartedPayment };

export default function PayPage() {
  const { t } = useTranslation("cabinet");
  const households = useHouseholds();
  const [els, setEls] = useChosenEls();
  const [stage, setStage] = useState<Stage>({ step: "amount" });
  const household = households.data?.residentHouseholds.find((h) => h.els === els);
  const current = stage.step === "amount" ? 0 : stage.step === "card" ? 1 : 2;
  return (
    <Flex vertical gap={16} style={{ maxWidth: 640 }}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        {t("pay.title")}
      </Typography.Title>
      <Steps
        size="small"
        current={current}
        responsive={false}
        items={[{ title: t("pay.stepAmount") }, { title: t("pay.stepCard") }, { title: t("pay.stepDone") }]}
      />
      <QueryState
        loading={households.isLoading}
        error={households.error}
        retry={() => households.refetch()}
        empty={!household}
        emptyText={t("common.linkFirst")}
      >
        {household && stage.step === "amount" && (
          <>
            <HouseholdPicker els={els} onChange={setEls} />
            <AmountStep
              els={household.els}
              address={household.address}
              amountDue={household.amountDue}
              onStarted={(payment) => setStage({ step: "card", payment })}
            />
          </>
        )}
        {stage.step === "card" && (
          <CardStep
            payment={stage.payment}
            onCancel={() => setStage({ step: "amount" })}
            onDone={() => setStage({ step: "done", payment: stage.payment })}
          />
        )}
        {stage.step === "done" && <Success payment={stage.payment} />}
      </QueryState>
    </Flex>
  );
}

interface AmountValues {
  choice: "due" | "other";
  amount?: string;
}

/** "1 234,5" / "1234.50" -> "1234.50"; null when it is not an amount in roubles and kopecks. */
function parseAmount(text: string | undefined): string | null {
  const clean = (text ?? "").replace(/[\s\u00a0₽]/g, "").replace(",", ".");
  if (!/^\d+(\.\d{1,2})?$/.test(clean)) return null;
  return clean;
}

function AmountStep(props: { els: string; address: string; amountDue: string; onStarted: (p: StartedPayment) => void }) {
  const { t } = useTranslation("cabinet");
  const [form] = Form.useForm<AmountValues>();
  const [error, setError] = useState<string | null>(null);
  const start = useGqlMutation(PaymentStartMutation, ["CabinetOnlinePayments"]);
  const choice = Form.useWatch("choice", form);
  const hasDue = toKopecks(props.amountDue) > 0;

  const submit = async (values: AmountValues) => {
    setError(null);
    const amount = values.choice === "other" ? parseAmount(values.amount) : null;
    try {
      const result = payload(await start.mutateAsync({ els: props.els, amount }));
      props.onStarted({
        els: props.els,
        onlinePaymentId: result.onlinePaymentId ?? "",
        clientSecret: result.clientSecret ?? "",
        amount: result.amount ?? amount ?? props.amountDue,
      });
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };

  return (
    <Card>
      <Typography.Paragraph>
        {t("pay.els", { els: props.els })}
        <br />
        <Typography.Text type="secondary">{props.address}</Typography.Text>
      </Typography.Paragraph>
      {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginBottom: 16 }} />}
      <Form
        form={form}
        layout="vertical"
        onFinish={submit}
        requiredMark={false}
        initialValues={{ choice: hasDue ? "due" : "other" }}
      >
        <Form.Item label={t("pay.howMuch")} name="choice">
          <Radio.Group>
            <Flex vertical gap={8}>
              <Radio value="due" disabled={!hasDue}>
                {t("pay.byEpd", { amount: formatMoney(props.amountDue) })}
              </Radio>
              <Radio value="other">{t("pay.otherAmount")}</Radio>
            </Flex>
          </Radio.Group>
        </Form.Item>
        {choice === "other" && (
          <Form.Item
            label={t("pay.amount")}
            name="amount"
            rules={[
              { required: true, message: t("pay.amountRequired") },
              {
                validator: (_rule, value: string | undefined) =>
                  !value || (parseAmount(value) && toKopecks(parseAmount(value)) > 0)
                    ? Promise.resolve()
                    : Promise.reject(new Error(t("pay.amountInvalid"))),
              },
            ]}
          >
            <Input inputMode="decimal" autoComplete="off" style={{ maxWidth: 200 }} />
          </Form.Item>
        )}
        <Button type="primary" htmlType="submit" size="large" icon={<CreditCardOutlined />} loading={start.isPending}>
          {t("pay.proceed")}
        </Button>
      </Form>
    </Card>
  );
}

function Success({ payment }: { payment: StartedPayment }) {
  const { t } = useTranslation("cabinet");
  const navigate = useNavigate();
  return (
    <Card>
      <Result
        status="success"
        title={t("pay.successTitle")}
        subTitle={
          <span>
            <Trans
              t={t}
              i18nKey="pay.successText"
              values={{ amount: formatMoney(payment.amount), els: payment.els }}
              components={{ strong: <strong data-testid="paid-amount" /> }}
            />
          </span>
        }
        extra={[
          <Button type="primary" key="home" onClick={() => navigate("/")}>
            {t("pay.toHouseholds")}
          </Button>,
          <Button key="history" onClick={() => navigate(`/history?els=${encodeURIComponent(payment.els)}`)}>
            {t("pay.paymentHistory")}
          </Button>,
        ]}
      />
    </Card>
  );
}
