// The agent's back office: principals, periods and ЕПД, payments intake, cash desk, payouts,
// reconciliation and appeals to the agent.
import {
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
import { Navigate, Route, Routes } from "react-router-dom";
import { AppShell, type MenuEntry } from "../shared/AppShell";
import AppealsPage, { AppealPage } from "./pages/Appeals";
import CashPage from "./pages/Cash";
import ImportsPage from "./pages/Imports";
import PayoutsPage from "./pages/Payouts";
import PeriodsPage from "./pages/Periods";
import PrincipalCardPage from "./pages/PrincipalCard";
import PrincipalsPage from "./pages/Principals";
import QueuePage from "./pages/Queue";
import ReconciliationPage from "./pages/Reconciliation";

const MENU: MenuEntry[] = [
  { key: "/principals", label: "Принципалы", icon: <BankOutlined /> },
  { key: "/periods", label: "Расчётные периоды", icon: <CalendarOutlined /> },
  { key: "/imports", label: "Реестры платежей", icon: <FileTextOutlined /> },
  { key: "/queue", label: "Невыясненные платежи", icon: <QuestionCircleOutlined /> },
  { key: "/cash", label: "Касса", icon: <WalletOutlined /> },
  { key: "/payouts", label: "Перечисления", icon: <SendOutlined /> },
  { key: "/reconciliation", label: "Сверка", icon: <AuditOutlined /> },
  { key: "/appeals", label: "Обращения", icon: <MessageOutlined /> },
];

export default function OfficeApp() {
  return (
    <AppShell title="Рабочее место агента" menu={MENU}>
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
        <Route path="/appeals" element={<AppealsPage />} />
        <Route path="/appeals/:id" element={<AppealPage />} />
        <Route path="*" element={<Result status="404" title="Страница не найдена" />} />
      </Routes>
    </AppShell>
  );
}
