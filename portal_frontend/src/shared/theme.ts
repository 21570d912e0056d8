// Colour tokens that keep text readable: Ant Design's defaults for secondary text (#8c8c8c), links (#1677ff),
// the selected menu entry and the light tags' text fall below the WCAG AA contrast of 4.5:1 on their
// backgrounds. The browser test tests/e2e/test_accessibility.py checks the pages with axe-core.
import type { ThemeConfig } from "antd";

const LINK = "#0958d9"; // 6.2:1 on white, 5.5:1 on the light blue of a selected entry

type Palette = "green" | "orange" | "gold" | "volcano" | "cyan" | "lime";

function darkerTagText(colors: Record<Palette, string>) {
  const token: Partial<Record<`${Palette}7` | `${Palette}-7`, string>> = {};
  for (const [name, color] of Object.entries(colors) as [Palette, string][]) {
    token[`${name}7`] = color;
    token[`${name}-7`] = color;
  }
  return token;
}

export const readableTheme: ThemeConfig = {
  token: {
    colorLink: LINK,
    colorLinkHover: "#1f6feb",
    // a primary button under the pointer: white text on #4096ff is 3:1; these keep 4.5:1 and more
    colorPrimaryHover: "#1a5fd0",
    colorPrimaryActive: "#0a4bb3",
    colorInfo: LINK,
    // secondary text, labels of descriptions and statistics, waiting steps: 5.7:1 on white
    colorTextTertiary: "rgba(0, 0, 0, 0.6)",
    colorTextDescription: "rgba(0, 0, 0, 0.6)",
    // the text of a light tag is its palette's 7th tone; these palettes need a darker one (the CSS variables
    // come from the "green-7" spelling, components read "green7")
    ...darkerTagText({ green: "#237804", orange: "#ad4e00", gold: "#874d00", volcano: "#ad2102", cyan: "#006d75",
      lime: "#3f6600" }),
    // danger buttons and error texts: #cf1322 is 5.9:1 on white
    colorError: "#cf1322",
    colorTextPlaceholder: "rgba(0, 0, 0, 0.55)",
    // a link is told from the text around it by more than its colour
    linkDecoration: "underline",
    // the keyboard focus: Ant Design's ring around a focused field is 8 % opaque and its outline around a focused
    // button or menu is a pale blue (1.6:1 on white); these are visible (3:1 and more)
    controlOutline: "rgba(9, 88, 217, 0.45)",
    colorPrimaryBorder: "#4096ff",
  },
  components: {
    Menu: { itemSelectedColor: LINK },
    // the selected tab lies on the grey page background (#f5f5f5)
    Tabs: { itemSelectedColor: LINK, itemActiveColor: LINK },
  },
};
