// «Скачать PDF»: the link is short-lived, so a fresh one is asked for on every click.
import { DownloadOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { App, Button } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { gqlRequest } from "../../shared/api";
import { DocumentLinkQuery } from "../queries";

export function PdfButton({ id, ready, size }: { id: string; ready: boolean; size?: "small" | "middle" }) {
  const { t } = useTranslation("cabinet");
  const [busy, setBusy] = useState(false);
  const { message } = App.useApp();
  const client = useQueryClient();
  const download = async () => {
    setBusy(true);
    try {
      const data = await client.fetchQuery({
        queryKey: ["CabinetDocumentLink", { id }, Date.now()],
        queryFn: () => gqlRequest(DocumentLinkQuery, { id }),
        staleTime: 0,
        gcTime: 0,
      });
      const url = data.residentDocument?.downloadUrl;
      if (!url) {
        message.info(t("pdf.notReadyYet"));
        return;
      }
      const a = document.createElement("a");
      a.href = url;
      a.rel = "noopener";
      a.download = "";
      document.body.appendChild(a);
      a.click();
      a.remove();
    } catch (exc) {
      message.error(exc instanceof Error ? exc.message : String(exc));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button size={size} icon={<DownloadOutlined />} loading={busy} disabled={!ready} onClick={download}>
      {ready ? t("pdf.download") : t("pdf.preparing")}
    </Button>
  );
}
