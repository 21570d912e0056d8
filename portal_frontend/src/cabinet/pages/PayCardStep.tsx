// The card step: the gateway's card form (Stripe.js), tokenize, confirm on the server, 3-D Secure when the
// bank asks, then wait until the gateway's webhook has posted the payment.
import { Alert, Button, Card, Flex, Progress, Spin, Typography } from "antd";
import { useEffect, useRef, useState } from "react";
import { gqlRequest, payload } from "../../shared/api";
import { formatMoney } from "../../shared/format";
import { useGqlMutation } from "../../shared/hooks";
import { OnlinePaymentsQuery, PaymentConfirmMutation } from "../queries";
import { loadStripe, type CardElement, type StripeClient } from "../stripe";
import type { StartedPayment } from "./PayPage";

type Phase = "idle" | "token" | "confirm" | "secure" | "posting";

const PHASES: Record<Phase, { percent: number; text: string }> = {
  idle: { percent: 0, text: "" },
  token: { percent: 20, text: "Проверяем карту…" },
  confirm: { percent: 45, text: "Списываем деньги…" },
  secure: { percent: 60, text: "Подтвердите оплату в окне банка…" },
  posting: { percent: 80, text: "Ждём подтверждения от банка…" },
};

const POLL_MS = 1500;
const POLL_LIMIT_MS = 90_000;

export function CardStep(props: { payment: StartedPayment; onCancel: () => void; onDone: () => void }) {
  const { payment } = props;
  const mountRef = useRef<HTMLDivElement>(null);
  const [stripe, setStripe] = useState<StripeClient | null>(null);
  const cardRef = useRef<CardElement | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [phase, setPhase] = useState<Phase>("idle");
  const [attempt, setAttempt] = useState(0);
  const confirm = useGqlMutation(PaymentConfirmMutation, ["CabinetOnlinePayments"]);

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

  const waitPosted = async (): Promise<void> => {
    const started = Date.now();
    while (Date.now() - started < POLL_LIMIT_MS) {
      const data = await gqlRequest(OnlinePaymentsQuery, { els: payment.els });
      const mine = data.residentOnlinePayments.find((p) => p.id === payment.onlinePaymentId);
      if (mine?.status === "SUCCEEDED") return;
      if (mine?.status === "FAILED") throw new Error("Банк отклонил платёж. Попробуйте другую карту.");
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    throw new Error("Банк ещё не подтвердил платёж. Он появится в истории, как только придёт подтверждение.");
  };

  const pay = async () => {
    if (!stripe || !cardRef.current) return;
    setError(null);
    try {
      setPhase("token");
      const { token, error: tokenError } = await stripe.createToken(cardRef.current);
      if (tokenError || !token) throw new Error(tokenError?.message || "Проверьте данные карты.");
      setPhase("confirm");
      const result = payload(
        await confirm.mutateAsync({ onlinePaymentId: payment.onlinePaymentId, cardToken: token.id }),
      );
      if (result.requiresAction) {
        setPhase("secure");
        const secured = await stripe.confirmCardPayment(result.clientSecret ?? payment.clientSecret);
        if (secured.error) throw new Error(secured.error.message || "Банк не подтвердил оплату.");
      }
      setPhase("posting");
      await waitPosted();
      props.onDone();
    } catch (exc) {
      setPhase("idle");
      setError(exc instanceof Error ? exc.message : String(exc));
    }
  };

  const busy = phase !== "idle";
  return (
    <Card>
      <Flex vertical gap={16}>
        <div>
          <Typography.Text type="secondary">К оплате по ЕЛС {payment.els}</Typography.Text>
          <div style={{ fontSize: 28, fontWeight: 600 }}>{formatMoney(payment.amount)}</div>
        </div>
        {loadError && (
          <Alert
            type="error"
            showIcon
            role="alert"
            title={loadError}
            action={<Button size="small" onClick={() => setAttempt((n) => n + 1)}>Повторить</Button>}
          />
        )}
        <div role="group" aria-labelledby="cabinet-card-label">
          <Typography.Text strong id="cabinet-card-label">
            Данные карты
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
          {!stripe && !loadError && <Spin size="small" aria-label="Загрузка платёжной формы" />}
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            Номер, срок действия (ММ ГГ), CVC и индекс. Данные карты передаются напрямую в платёжный шлюз.
          </Typography.Text>
        </div>
        {error && <Alert type="error" showIcon role="alert" title={error} />}
        {busy && (
          <div aria-live="polite">
            <Progress percent={PHASES[phase].percent} status="active" />
            <Typography.Text>{PHASES[phase].text}</Typography.Text>
          </div>
        )}
        <Flex gap={8} wrap>
          <Button type="primary" size="large" onClick={pay} loading={busy} disabled={!stripe}>
            Оплатить {formatMoney(payment.amount)}
          </Button>
          <Button size="large" onClick={props.onCancel} disabled={busy}>
            Изменить сумму
          </Button>
        </Flex>
      </Flex>
    </Card>
  );
}
