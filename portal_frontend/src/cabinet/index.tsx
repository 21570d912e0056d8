// The residents' cabinet (placeholder until its pages land).
import { HomeOutlined } from "@ant-design/icons";
import { Typography } from "antd";
import { Route, Routes } from "react-router-dom";
import { AppShell } from "../shared/AppShell";

/** Routes for visitors who are not signed in (sign-up). */
export function CabinetPublicRoutes() {
  return <Route path="/signup" element={<Typography.Title level={2}>Регистрация</Typography.Title>} />;
}

export default function CabinetApp() {
  return (
    <AppShell title="Личный кабинет" menu={[{ key: "/", label: "Мои счета", icon: <HomeOutlined /> }]}>
      <Routes>
        <Route path="*" element={<Typography.Title level={2}>Мои счета</Typography.Title>} />
      </Routes>
    </AppShell>
  );
}
