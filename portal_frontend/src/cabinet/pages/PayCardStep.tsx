// The card step: the gateway's card form (Stripe.js), tokenize, confirm on the server, 3-D Secure when the
// bank asks, then wait until the gateway's webhook has posted the payment.
import { Alert, Button, Card, Flex, Progress, Spin, Typography } from "antd";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { payload } from "../../shared/api";
import { formatMoney } from "../../shared/format";
import { useGql, useGqlMutation } from "../../shared/hooks";
import type { CabinetKey } from "../common";
import { OnlinePaymentsQuery, PaymentConfirmMutation } from "../queries";
import { loadStripe, type CardElement, type StripeClient } from "../stripe";
import type { StartedPayment } from "./PayPage";

type Phase = "idle" | "token" | "confirm" | "secure" | "posting";

const PHASES: Record<Phase, { percent: number; text: CabinetKey | null }> = {
  idle: { percent: 0, text: null },
  token: { percent: 20, text: "card.phaseToken" },
  confirm: { percent: 45, text: "card.phaseConfirm" },
  secure: { percent: 60, text: "card.phaseSecure" },
  posting: { percent: 80, text: "card.phasePosting" },
};

const POLL_MS = 1500;
const POLL_LIMIT_MS = 90_000;

export function CardStep(props: { payment: StartedPayment; onCancel: () => void; onDone: () => void }) {
  const { t } = useTranslation("cabinet");
  const { payment } = props;
  const mountRef = useRef<HTMLDivElement>(null);
  const [stripe, setStripe] = useState<StripeClient | null>(null);
  const cardRef = useRef<CardElement | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [phase, setPhase] = useState<Phase>("idle");
  const [attempt, setAttempt] = useState(0);
  const confirm = useGqlMutation(PaymentConfirmMutation, ["CabinetOnlinePayments"]);
  // when the wait for the webhook began: only answers fetched since then count
  const [postingSince, setPostingSince] = useState(0);
  const posting = phase === "posting";
  // polled while posting only; unmounting the step stops it
  const payments = useGql(OnlinePaymentsQuery, { els: payment.els }, { enabled: posting, refetchInterval: posting ? POLL_MS : false });
  const { onDone } = props;

  // the webhook has posted the payment, or the bank declined it
  useEffect(() => {
    if (!posting || payments.dataUpdatedAt < postingSince) return;
    const mine = payments.data?.residentOnlinePayments.find((p) => p.id === payment.onlinePaymentId);
    if (mine?.status === "SUCCEEDED") {
      setPhase("idle");
      onDone();
    } else if (mine?.status === "FAILED") {
      setPhase("idle");
      setError(t("card.declined"));
    }
  }, [posting, postingSince, payments.data, payments.dataUpdatedAt, payment.onlinePaymentId, onDone, t]);

  // a request that failed (after the query's retries) ends the wait as before
  useEffect(() => {
    if (!posting || !payments.error || payments.errorUpdatedAt < postingSince) return;
    setPhase("idle");
    setError(payments.error.message);
  }, [posting, postingSince, payments.error, payments.errorUpdatedAt]);

  // not posted in time
  useEffect(() => {
    if (!posting) return;
    const timer = setTimeout(() => {
      setPhase("idle");
      setError(t("card.notConfirmedYet"));
    }, POLL_LIMIT_MS);
    return () => clearTimeout(timer);
  }, [posting, t]);

  useEffect(() => {
    let cancelled = false;
    setLoadError(null);
    loadStripe()
      .then((client) => {
        if (cancelled || !mountRef.current) return;
        const card = client.elements().create("card", { hidePostalCode: false });
        card.mount(mountRef.current);
        cardRef.current = card;
        setStripe(client);
      })
      .catch((exc: Error) => !cancelled && setLoadError(exc.message));
    return () => {
      cancelled = true;
      cardRef.current?.destroy();
      cardRef.current = null;
    };
  }, [attempt]);

  const pay = async () => {
    if (!stripe || !cardRef.current) return;
    setError(null);
    try {
      setPhase("token");
      const { token, error: tokenError } = await stripe.createToken(cardRef.current);
      if (tokenError || !token) throw new Error(tokenError?.message || t("card.checkCard"));
      setPhase("confirm");
      const result = payload(
        await confirm.mutateAsync({ onlinePaymentId: payment.onlinePaymentId, cardToken: token.id }),
      );
      if (result.requiresAction) {
        setPhase("secure");
        const secured = await stripe.confirmCardPayment(result.clientSecret ?? payment.clientSecret);
        if (secured.error) throw new Error(secured.error.message || t("card.secureFailed"));
      }
      setPostingSince(Date.now());
      setPhase("posting");
    } catch (exc) {
      setPhase("idle");
      setError(exc instanceof Error ? exc.message : String(exc));
    }
  };

  const busy = phase !== "idle";
  const phaseText = PHASES[phase].text;
  return (
    <Card>
      <Flex vertical gap={16}>
        <div>
          <Typography.Text type="secondary">{t("card.dueByEls", { els: payment.els })}</Typography.Text>
          <div style={{ fontSize: 28, fontWeight: 600 }}>{formatMoney(payment.amount)}</div>
        </div>
        {loadError && (
          <Alert
            type="error"
            showIcon
            role="alert"
            title={loadError}
            action={<Button size="small" onClick={() => setAttempt((n) => n + 1)}>{t("card.retry")}</Button>}
          />
        )}
        <div role="group" aria-labelledby="cabinet-card-label">
          <Typography.Text strong id="cabinet-card-label">
            {t("card.cardData")}
          </Typography.Text>
          <div
            ref={mountRef}
            style={{
              marginTop: 8,
              padding: 12,
              border: "1px solid #d9d9d9",
              borderRadius: 8,
              minHeight: 44,
              display: "flex",
              flexWrap: "wrap",
              gap: 6,
              alignItems: "center",
            }}
          />
          {!stripe && !loadError && <Spin size="small" aria-label={t("card.loadingForm")} />}
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t("card.hint")}
          </Typography.Text>
        </div>
        {error && <Alert type="error" showIcon role="alert" title={error} />}
        {busy && (
          <div aria-live="polite">
            <Progress percent={PHASES[phase].percent} status="active" />
            <Typography.Text>{phaseText ? t(phaseText) : ""}</Typography.Text>
          </div>
        )}
        <Flex gap={8} wrap>
          <Button type="primary" size="large" onClick={pay} loading={busy} disabled={!stripe}>
            {t("card.pay", { amount: formatMoney(payment.amount) })}
          </Button>
          <Button size="large" onClick={props.onCancel} disabled={busy}>
            {t("card.changeAmount")}
          </Button>
        </Flex>
      </Flex>
    </Card>
  );
}
