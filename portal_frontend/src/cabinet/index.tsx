// The residents' cabinet on the agent's host: routes and the menu. Pages live in ./pages.
import {
  CreditCardOutlined,
  DashboardOutlined,
  EditOutlined,
  FileTextOutlined,
  HomeOutlined,
  LineChartOutlined,
  MessageOutlined,
  WarningOutlined,
} from "@ant-design/icons";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, Route, Routes } from "react-router-dom";
import { AppShell } from "../shared/AppShell";
import type { CabinetKey } from "./common";
import AppealPage from "./pages/AppealPage";
import AppealsPage from "./pages/AppealsPage";
import DebtPage from "./pages/DebtPage";
import DocumentPage from "./pages/DocumentPage";
import DocumentsPage from "./pages/DocumentsPage";
import HistoryPage from "./pages/HistoryPage";
import HouseholdsPage from "./pages/HouseholdsPage";
import MetersPage from "./pages/MetersPage";
import PayPage from "./pages/PayPage";
import RequestsPage from "./pages/RequestsPage";

// the menu's labels are catalogue keys, translated when the shell is rendered
const MENU: { key: string; label: CabinetKey; icon: ReactNode }[] = [
  { key: "/", label: "menu.households", icon: <HomeOutlined /> },
  { key: "/documents", label: "menu.documents", icon: <FileTextOutlined /> },
  { key: "/pay", label: "menu.pay", icon: <CreditCardOutlined /> },
  { key: "/debt", label: "menu.debt", icon: <WarningOutlined /> },
  { key: "/meters", label: "menu.meters", icon: <DashboardOutlined /> },
  { key: "/history", label: "menu.history", icon: <LineChartOutlined /> },
  { key: "/requests", label: "menu.requests", icon: <EditOutlined /> },
  { key: "/appeals", label: "menu.appeals", icon: <MessageOutlined /> },
];

export default function CabinetApp() {
  const { t } = useTranslation("cabinet");
  const menu = MENU.map((m) => ({ ...m, label: t(m.label) }));
  return (
    <AppShell title={t("app.title")} menu={menu}>
      <Routes>
        <Route path="/" element={<HouseholdsPage />} />
        <Route path="/documents" element={<DocumentsPage />} />
        <Route path="/documents/:id" element={<DocumentPage />} />
        <Route path="/pay" element={<PayPage />} />
        <Route path="/debt" element={<DebtPage />} />
        <Route path="/meters" element={<MetersPage />} />
        <Route path="/history" element={<HistoryPage />} />
        <Route path="/requests" element={<RequestsPage />} />
        <Route path="/appeals" element={<AppealsPage />} />
        <Route path="/appeals/:id" element={<AppealPage />} />
        <Route path="*" element={<Navigate to="/" replace />} />
      </Routes>
    </AppShell>
  );
}
