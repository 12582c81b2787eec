// Placeholder of the skeleton: its owner replaces it. The task instance page shows these buttons
// (Clear, Mark success, Mark failed), each opening a dialog with its options and a preview.
export interface TaskActionsProps {
  dagId: string;
  runId: string;
  taskId: string;
  /** -1 or absent: the task instance itself (all of a mapped task's instances when it is mapped). */
  mapIndex?: number;
}

export function TaskActions(_props: TaskActionsProps) {
  return null;
}
