// The agent's back office: principals, periods and ЕПД, payments intake, cash desk, payouts,
// reconciliation, debt collection across principals (campaigns) and appeals to the agent.
import {
  AlertOutlined,
  AuditOutlined,
  BankOutlined,
  CalendarOutlined,
  FileTextOutlined,
  MessageOutlined,
  QuestionCircleOutlined,
  SendOutlined,
  WalletOutlined,
} from "@ant-design/icons";
import { Result } from "antd";
import { useTranslation } from "react-i18next";
import { Navigate, Route, Routes } from "react-router-dom";
import { AppShell, type MenuEntry } from "../shared/AppShell";
import AppealsPage, { AppealPage } from "./pages/Appeals";
import CampaignPage from "./pages/Campaign";
import CashPage from "./pages/Cash";
import CollectionPage from "./pages/Collection";
import ImportsPage from "./pages/Imports";
import PayoutsPage from "./pages/Payouts";
import PeriodsPage from "./pages/Periods";
import PrincipalCardPage from "./pages/PrincipalCard";
import PrincipalsPage from "./pages/Principals";
import QueuePage from "./pages/Queue";
import ReconciliationPage from "./pages/Reconciliation";

export default function OfficeApp() {
  const { t } = useTranslation("office");
  const menu: MenuEntry[] = [
    { key: "/principals", label: t("menu.principals"), icon: <BankOutlined /> },
    { key: "/periods", label: t("menu.periods"), icon: <CalendarOutlined /> },
    { key: "/imports", label: t("menu.imports"), icon: <FileTextOutlined /> },
    { key: "/queue", label: t("menu.queue"), icon: <QuestionCircleOutlined /> },
    { key: "/cash", label: t("menu.cash"), icon: <WalletOutlined /> },
    { key: "/payouts", label: t("menu.payouts"), icon: <SendOutlined /> },
    { key: "/reconciliation", label: t("menu.reconciliation"), icon: <AuditOutlined /> },
    { key: "/collection", label: t("menu.collection"), icon: <AlertOutlined /> },
    { key: "/appeals", label: t("menu.appeals"), icon: <MessageOutlined /> },
  ];
  return (
    <AppShell title={t("app.title")} menu={menu}>
      <Routes>
        <Route path="/" element={<Navigate to="/principals" replace />} />
        <Route path="/principals" element={<PrincipalsPage />} />
        <Route path="/principals/:id" element={<PrincipalCardPage />} />
        <Route path="/periods" element={<PeriodsPage />} />
        <Route path="/imports" element={<ImportsPage />} />
        <Route path="/queue" element={<QueuePage />} />
        <Route path="/cash" element={<CashPage />} />
        <Route path="/payouts" element={<PayoutsPage />} />
        <Route path="/reconciliation" element={<ReconciliationPage />} />
        <Route path="/collection" element={<CollectionPage />} />
        <Route path="/collection/campaigns/:id" element={<CampaignPage />} />
        <Route path="/appeals" element={<AppealsPage />} />
        <Route path="/appeals/:id" element={<AppealPage />} />
        <Route path="*" element={<Result status="404" title={t("app.notFound")} />} />
      </Routes>
    </AppShell>
  );
}
