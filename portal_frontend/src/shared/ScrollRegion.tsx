// A wide table that scrolls sideways inside a region a keyboard user can focus and scroll with the arrow keys
// (WCAG 2.1.1: a scrollable area without focusable content must be focusable itself).
import type { ReactNode } from "react";

export function ScrollRegion({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div role="region" aria-label={label} tabIndex={0} style={{ overflowX: "auto" }}>
      {children}
    </div>
  );
}
