// The residents' cabinet on the agent's host: routes and the menu. Pages live in ./pages.
import {
  CreditCardOutlined,
  DashboardOutlined,
  EditOutlined,
  FileTextOutlined,
  HomeOutlined,
  LineChartOutlined,
  MessageOutlined,
} from "@ant-design/icons";
import { Navigate, Route, Routes } from "react-router-dom";
import { AppShell, type MenuEntry } from "../shared/AppShell";
import AppealPage from "./pages/AppealPage";
import AppealsPage from "./pages/AppealsPage";
import DocumentPage from "./pages/DocumentPage";
import DocumentsPage from "./pages/DocumentsPage";
import HistoryPage from "./pages/HistoryPage";
import HouseholdsPage from "./pages/HouseholdsPage";
import MetersPage from "./pages/MetersPage";
import PayPage from "./pages/PayPage";
import RequestsPage from "./pages/RequestsPage";

const MENU: MenuEntry[] = [
  { key: "/", label: "Мои счета", icon: <HomeOutlined /> },
  { key: "/documents", label: "ЕПД", icon: <FileTextOutlined /> },
  { key: "/pay", label: "Оплатить", icon: <CreditCardOutlined /> },
  { key: "/meters", label: "Показания", icon: <DashboardOutlined /> },
  { key: "/history", label: "История и графики", icon: <LineChartOutlined /> },
  { key: "/requests", label: "Заявки", icon: <EditOutlined /> },
  { key: "/appeals", label: "Обращения", icon: <MessageOutlined /> },
];

export default function CabinetApp() {
  return (
    <AppShell title="Личный кабинет" menu={MENU}>
      <Routes>
        <Route path="/" element={<HouseholdsPage />} />
        <Route path="/documents" element={<DocumentsPage />} />
        <Route path="/documents/:id" element={<DocumentPage />} />
        <Route path="/pay" element={<PayPage />} />
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
