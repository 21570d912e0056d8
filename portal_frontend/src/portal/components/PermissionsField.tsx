// Permissions as checkboxes, named by the server (query permissions).
import { Checkbox, Skeleton } from "antd";
import { graphql } from "../../gql";
import type { Permission } from "../../gql/graphql";
import { useGql } from "../../shared/hooks";

const PermissionsQuery = graphql(`
  query PortalPermissions {
    permissions { code label }
  }
`);

export function usePermissionLabels() {
  const q = useGql(PermissionsQuery, undefined, { staleTime: 600_000 });
  const labels = new Map((q.data?.permissions ?? []).map((p) => [p.code as string, p.label]));
  return { q, label: (code: string) => labels.get(code) ?? code };
}

interface Props {
  value?: Permission[];
  onChange?: (v: Permission[]) => void;
  id?: string;
}

export function PermissionsField({ value, onChange, id }: Props) {
  const { q } = usePermissionLabels();
  if (q.isLoading) return <Skeleton active paragraph={{ rows: 3 }} />;
  return (
    <div id={id}>
    <Checkbox.Group
      value={value}
      onChange={(v) => onChange?.(v as Permission[])}
      style={{ display: "grid", gridTemplateColumns: "repeat(auto-fill, minmax(240px, 1fr))", gap: 4 }}
      options={(q.data?.permissions ?? []).map((p) => ({ value: p.code, label: p.label }))}
    />
    </div>
  );
}
