// The principal portal (placeholder until its pages land).
import { DashboardOutlined } from "@ant-design/icons";
import { Typography } from "antd";
import { Route, Routes } from "react-router-dom";
import { AppShell } from "../shared/AppShell";
import { config } from "../shared/config";

export default function PortalApp() {
  return (
    <AppShell title={config.principal?.name ?? "Организация"} menu={[{ key: "/", label: "Сводка", icon: <DashboardOutlined /> }]}>
      <Routes>
        <Route path="*" element={<Typography.Title level={2}>Сводка</Typography.Title>} />
      </Routes>
    </AppShell>
  );
}
