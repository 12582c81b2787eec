// chart.js for the Gantt and Task durations views (only the parts they use, registered once),
// and the theme's colours for axes and grid lines, following the light/dark switch.
import { useEffect, useState } from "react";
import {
  BarController, BarElement, CategoryScale, Chart, Filler, Legend, LinearScale, LineController, LineElement,
  PointElement, Tooltip,
} from "chart.js";
import { currentTheme, type Theme } from "../../layout/theme";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement,
  Tooltip, Legend, Filler);

export { Chart };

export interface ChartColors {
  theme: Theme;
  fg: string;
  muted: string;
  grid: string;
}

function read(theme: Theme): ChartColors {
  const style = getComputedStyle(document.documentElement);
  const css = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return { theme, fg: css("--fg", "#1b1f24"), muted: css("--fg-muted", "#5b6570"), grid: css("--border", "#d8dee4") };
}

/** The axes' colours of the current theme, updated when the user switches theme. */
export function useChartColors(): ChartColors {
  const [colors, setColors] = useState(() => read(currentTheme()));
  useEffect(() => {
    const observer = new MutationObserver(() => {
      const theme = currentTheme();
      setColors((old) => (old.theme === theme ? old : read(theme)));
    });
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
    return () => observer.disconnect();
  }, []);
  return colors;
}

/** A clock time of a timestamp in ms ("14:03:07"). */
export function clock(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Distinct line colours for tasks (not state colours). */
export const PALETTE = [
  "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
  "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
];
