// Which application this host and user get: the principal portal on a principal's host; on the
// agent's host, the residents' cabinet for residents and the back office for agent staff.
import { Alert, Result, Spin } from "antd";
import { lazy, Suspense } from "react";
import { BrowserRouter, Navigate, Route, Routes } from "react-router-dom";
import { CabinetPublicRoutes } from "./cabinet/public";
import { InvitationPage } from "./portal/public";
import { ForgotPasswordPage, ResetPasswordPage } from "./shared/account";
import { LoginPage, useMe } from "./shared/auth";
import { config } from "./shared/config";
import { useTranslation } from "react-i18next";
import i18n from "./i18n";

// each area is its own chunk: a resident's phone never downloads the back office
const PortalApp = lazy(() => import("./portal"));
const CabinetApp = lazy(() => import("./cabinet"));
const OfficeApp = lazy(() => import("./office"));

function Loading() {
  return (
    <div style={{ display: "flex", justifyContent: "center", padding: 64 }}>
      <Spin size="large" aria-label={i18n.t("app.loading")} />
    </div>
  );
}

function Surface() {
  const { t } = useTranslation();
  const me = useMe();
  if (me.isLoading) {
    return <Loading />;
  }
  if (me.error) {
    return <Alert type="error" showIcon title={t("app.serverDown")} description={me.error.message} style={{ margin: 24 }} />;
  }
  const user = me.data?.me;
  if (!user?.isAuthenticated) {
    if (config.surface === "public") {
      return (
        <Routes>
          {CabinetPublicRoutes()}
          <Route path="*" element={<CabinetLogin />} />
        </Routes>
      );
    }
    return <LoginPage />;
  }
  if (config.surface === "portal") {
    if (!user.principalRole) {
      return <Result status="403" title={t("app.noAccess")} subTitle={t("app.noRoleHere")} />;
    }
    return <PortalApp />;
  }
  if (user.isResident) return <CabinetApp />;
  if (user.agentRole) return <OfficeApp />;
  return <Result status="403" title={t("app.noAccess")} subTitle={t("app.signInAsResidentOrStaff")} />;
}

function CabinetLogin() {
  return <LoginPage footer={<CabinetSignupLink />} />;
}

function CabinetSignupLink() {
  const { t } = useTranslation();
  return (
    <p style={{ marginTop: 16, marginBottom: 0 }}>
      {t("app.noAccountYet")} <a href="/signup">{t("app.signUp")}</a>
    </p>
  );
}

export default function App() {
  return (
    <BrowserRouter>
      <Routes>
        <Route path="/login" element={<Navigate to="/" replace />} />
        {/* pages of e-mailed links, whoever is signed in on this host */}
        <Route path="/forgot-password" element={<ForgotPasswordPage />} />
        <Route path="/reset-password/:token" element={<ResetPasswordPage />} />
        {config.surface === "portal" && <Route path="/invite/:token" element={<InvitationPage />} />}
        <Route
          path="*"
          element={
            <Suspense fallback={<Loading />}>
              <Surface />
            </Suspense>
          }
        />
      </Routes>
    </BrowserRouter>
  );
}
