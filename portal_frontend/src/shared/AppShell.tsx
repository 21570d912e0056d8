// The frame of every area: a side menu that folds away on a phone, a header with the user and logout.
import { LogoutOutlined, MenuOutlined } from "@ant-design/icons";
import { Button, Drawer, Grid, Layout, Menu, Space, Typography } from "antd";
import { useState, type ReactNode } from "react";
import { useLocation, useNavigate } from "react-router-dom";
import { useLogout, useMe } from "./auth";
import { useTranslation } from "react-i18next";

export interface MenuEntry {
  key: string; // the path
  label: string;
  icon?: ReactNode;
}

interface Props {
  title: string;
  menu: MenuEntry[];
  children: ReactNode;
}

export function AppShell({ title, menu, children }: Props) {
  const { t } = useTranslation();
  const screens = Grid.useBreakpoint();
  const phone = !screens.lg;
  const [drawer, setDrawer] = useState(false);
  const navigate = useNavigate();
  const location = useLocation();
  const me = useMe();
  const logout = useLogout();
  // the longest menu path that prefixes the location is the current entry
  const selected = [...menu]
    .sort((a, b) => b.key.length - a.key.length)
    .find((m) => location.pathname === m.key || location.pathname.startsWith(m.key === "/" ? "/\u0000" : m.key + "/"));
  const items = menu.map((m) => ({ key: m.key, label: m.label, icon: m.icon }));
  const nav = (
    <nav aria-label={t("shell.mainMenu")}>
      <Menu
        mode="inline"
        items={items}
        selectedKeys={selected ? [selected.key] : []}
        onClick={({ key }) => {
          navigate(key);
          setDrawer(false);
        }}
      />
    </nav>
  );
  return (
    <Layout style={{ minHeight: "100vh" }}>
      {!phone && (
        <Layout.Sider width={240} theme="light" style={{ borderRight: "1px solid #f0f0f0" }}>
          <div style={{ padding: "16px 24px", fontWeight: 600 }}>{title}</div>
          {nav}
        </Layout.Sider>
      )}
      {phone && (
        <Drawer open={drawer} onClose={() => setDrawer(false)} placement="left" title={title} size={280}>
          {nav}
        </Drawer>
      )}
      <Layout>
        <Layout.Header
          style={{
            background: "#fff",
            padding: "0 16px",
            display: "flex",
            alignItems: "center",
            justifyContent: "space-between",
            borderBottom: "1px solid #f0f0f0",
          }}
        >
          <Space>
            {phone && (
              <Button aria-label={t("shell.openMenu")} icon={<MenuOutlined />} onClick={() => setDrawer(true)} />
            )}
            {phone && <Typography.Text strong>{title}</Typography.Text>}
          </Space>
          <Space>
            {!phone && <Typography.Text>{me.data?.me.fullName || me.data?.me.email}</Typography.Text>}
            <Button aria-label={t("shell.logout")} icon={<LogoutOutlined />} onClick={() => logout()}>
              {phone ? "" : t("shell.logout")}
            </Button>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ padding: phone ? 12 : 24 }}>
          <main>{children}</main>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
