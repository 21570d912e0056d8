// A labelled house filter: the principal's own houses (the server's `houses`), searched by a part of the address
// as one types.
import { Form, Select } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { graphql } from "../../gql";
import { useDebounced, useGql } from "../../shared/hooks";

const HousesQuery = graphql(`
  query PortalHouses($search: String) {
    houses(search: $search, first: 50) { id address accountsCount }
  }
`);

const SEARCH_DELAY_MS = 250;
const ALL = "";

export interface HouseValue {
  id: string;
  address: string;
}

export function HouseSelect(props: {
  id: string;
  label: string;
  /** The chosen house (its address kept by the caller, so it shows before the list has loaded). */
  value: HouseValue | null;
  onChange: (house: HouseValue | null) => void;
}) {
  const { t } = useTranslation("portal");
  const [typed, setTyped] = useState("");
  const search = useDebounced(typed.trim(), SEARCH_DELAY_MS);
  const houses = useGql(HousesQuery, { search: search || null }, { placeholderData: (prev) => prev });

  const listed = houses.data?.houses ?? [];
  const options = listed.map((h) => ({
    value: h.id,
    address: h.address,
    label: t("accounts.houseOption", { address: h.address, count: h.accountsCount }),
  }));
  // the chosen house stays shown while a search lists other houses
  if (props.value && !listed.some((h) => h.id === props.value?.id)) {
    options.unshift({ value: props.value.id, address: props.value.address, label: props.value.address });
  }
  // an option, not only the clear icon, so that the filter comes off by keyboard too (as «Все счета» does)
  options.unshift({ value: ALL, address: "", label: t("accounts.houseAll") });

  return (
    <Form.Item
      label={props.label}
      htmlFor={props.id}
      validateStatus={houses.error ? "error" : undefined}
      help={houses.error ? t("accounts.housesError", { error: houses.error.message }) : undefined}
    >
      <Select
        id={props.id}
        showSearch={{ filterOption: false, onSearch: setTyped }}
        style={{ width: 360, maxWidth: "100%" }}
        loading={houses.isFetching}
        notFoundContent={houses.isFetching ? t("accounts.houseSearching") : t("accounts.houseNotFound")}
        value={props.value?.id ?? ALL}
        options={options}
        onChange={(id: string | null | undefined) => {
          const chosen = id ? options.find((o) => o.value === id) : undefined;
          props.onChange(chosen ? { id: chosen.value, address: chosen.address } : null);
          setTyped("");
        }}
      />
    </Form.Item>
  );
}
