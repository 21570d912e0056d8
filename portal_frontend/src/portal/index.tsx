// The principal portal: its menu (entries by the user's permissions) and routes.
import {
  ApiOutlined,
  BankOutlined,
  DashboardOutlined,
  FieldNumberOutlined,
  FileTextOutlined,
  MessageOutlined,
  SolutionOutlined,
  TeamOutlined,
  WalletOutlined,
  EditOutlined,
  AlertOutlined,
  RiseOutlined,
} from "@ant-design/icons";
import { Result } from "antd";
import { lazy, Suspense, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Route, Routes } from "react-router-dom";
import { AppShell, type MenuEntry } from "../shared/AppShell";
import type { Permission } from "../gql/graphql";
import { useMe, usePermissions } from "../shared/auth";
import { config } from "../shared/config";
import { QueryState } from "../shared/QueryState";
import type { PortalKey } from "./labels";

const DashboardPage = lazy(() => import("./pages/Dashboard"));
const AccountsPage = lazy(() => import("./pages/Accounts"));
const AccountCardPage = lazy(() => import("./pages/AccountCard"));
const DebtorsPage = lazy(() => import("./pages/Debtors"));
const DebtorPage = lazy(() => import("./pages/Debtor"));
const CollectionRatesPage = lazy(() => import("./pages/CollectionRates"));
const ReadingsPage = lazy(() => import("./pages/Readings"));
const PaymentsPage = lazy(() => import("./pages/Payments"));
const PayoutsPage = lazy(() => import("./pages/Payouts"));
const ReportsPage = lazy(() => import("./pages/Reports"));
const AppealsPage = lazy(() => import("./pages/Appeals"));
const AppealPage = lazy(() => import("./pages/Appeal"));
const UsersPage = lazy(() => import("./pages/Users"));
const ApiKeysPage = lazy(() => import("./pages/ApiKeys"));

interface Section extends Omit<MenuEntry, "label"> {
  /** the catalogue key of the entry's name */
  label: PortalKey;
  /** any of these permissions shows the entry */
  perms: Permission[];
  adminOnly?: boolean;
}

const SECTIONS: Section[] = [
  { key: "/", label: "menu.dashboard", icon: <DashboardOutlined />, perms: ["REPORTS_VIEW"] },
  { key: "/accounts", label: "menu.accounts", icon: <SolutionOutlined />, perms: ["ACCOUNTS_VIEW"] },
  { key: "/debtors", label: "menu.debtors", icon: <AlertOutlined />, perms: ["COLLECTION_VIEW"] },
  { key: "/collection-rates", label: "menu.collectionRates", icon: <RiseOutlined />, perms: ["COLLECTION_VIEW"] },
  { key: "/readings", label: "menu.readings", icon: <FieldNumberOutlined />, perms: ["READINGS_MANAGE"] },
  { key: "/payments", label: "menu.payments", icon: <WalletOutlined />, perms: ["PAYMENTS_VIEW"] },
  { key: "/payouts", label: "menu.payouts", icon: <BankOutlined />, perms: ["PAYMENTS_VIEW"] },
  { key: "/reports", label: "menu.reports", icon: <FileTextOutlined />, perms: ["REPORTS_VIEW"] },
  { key: "/appeals", label: "menu.appeals", icon: <MessageOutlined />, perms: ["APPEALS_MANAGE", "ACCOUNTS_VIEW"] },
  { key: "/users", label: "menu.users", icon: <TeamOutlined />, perms: ["USERS_VIEW", "USERS_MANAGE"], adminOnly: true },
  { key: "/api-keys", label: "menu.apiKeys", icon: <ApiOutlined />, perms: ["API_KEYS_MANAGE"], adminOnly: true },
];

function Denied() {
  const { t } = useTranslation("portal");
  return <Result status="403" title={t("app.noAccess")} subTitle={t("app.noRightsHere")} />;
}

export default function PortalApp() {
  const { t } = useTranslation("portal");
  const me = useMe().data?.me;
  const perms = usePermissions();
  const isAdmin = me?.principalRole === "ADMIN";
  const allowed = (key: string) => {
    const s = SECTIONS.find((x) => x.key === key)!;
    return (!s.adminOnly || isAdmin) && s.perms.some((p) => perms.has(p));
  };
  const menu = SECTIONS.filter((s) => allowed(s.key)).map(({ key, label, icon }): MenuEntry => ({ key, label: t(label), icon }));
  const guard = (key: string, page: ReactNode) => (allowed(key) ? page : <Denied />);
  const home = allowed("/") ? <DashboardPage /> : menu.length ? <Welcome /> : <Denied />;
  return (
    <AppShell title={config.principal?.name ?? t("app.organization")} menu={menu}>
      <Suspense fallback={<QueryState loading error={null} />}>
        <Routes>
          <Route path="/" element={home} />
          <Route path="/accounts" element={guard("/accounts", <AccountsPage />)} />
          <Route path="/accounts/:id" element={guard("/accounts", <AccountCardPage />)} />
          <Route path="/debtors" element={guard("/debtors", <DebtorsPage />)} />
          <Route path="/debtors/:accountNumber" element={guard("/debtors", <DebtorPage />)} />
          <Route path="/collection-rates" element={guard("/collection-rates", <CollectionRatesPage />)} />
          <Route path="/readings" element={guard("/readings", <ReadingsPage />)} />
          <Route path="/payments" element={guard("/payments", <PaymentsPage />)} />
          <Route path="/payouts" element={guard("/payouts", <PayoutsPage />)} />
          <Route path="/reports" element={guard("/reports", <ReportsPage />)} />
          <Route path="/appeals" element={guard("/appeals", <AppealsPage />)} />
          <Route path="/appeals/:id" element={guard("/appeals", <AppealPage />)} />
          <Route path="/users" element={guard("/users", <UsersPage />)} />
          <Route path="/api-keys" element={guard("/api-keys", <ApiKeysPage />)} />
          <Route path="*" element={<Result status="404" title={t("app.notFound")} />} />
        </Routes>
      </Suspense>
    </AppShell>
  );
}

function Welcome() {
  const { t } = useTranslation("portal");
  return <Result icon={<EditOutlined />} title={t("app.welcome")} subTitle={t("app.chooseSection")} />;
}
