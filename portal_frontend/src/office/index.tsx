// The agent's back office (placeholder until its pages land).
import { BankOutlined } from "@ant-design/icons";
import { Typography } from "antd";
import { Route, Routes } from "react-router-dom";
import { AppShell } from "../shared/AppShell";

export default function OfficeApp() {
  return (
    <AppShell title="Рабочее место агента" menu={[{ key: "/", label: "Принципалы", icon: <BankOutlined /> }]}>
      <Routes>
        <Route path="*" element={<Typography.Title level={2}>Принципалы</Typography.Title>} />
      </Routes>
    </AppShell>
  );
}
