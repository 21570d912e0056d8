// The interface's texts: every string a user reads comes from a catalogue (src/locales/<language>/<area>.json)
// by an English key. Russian is the only language shipped; the keys are typed (src/i18next-types.d.ts), so a key
// missing from the Russian catalogue fails the build. Plurals follow i18next's suffixes (_one, _few, _many).
import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import cabinet from "./locales/ru/cabinet.json";
import office from "./locales/ru/office.json";
import portal from "./locales/ru/portal.json";
import shared from "./locales/ru/shared.json";

export const resources = { ru: { shared, portal, cabinet, office } } as const;

void i18n.use(initReactI18next).init({
  lng: "ru",
  fallbackLng: "ru",
  ns: ["shared", "portal", "cabinet", "office"],
  defaultNS: "shared",
  resources,
  interpolation: { escapeValue: false }, // React escapes
  returnNull: false,
});

export default i18n;
