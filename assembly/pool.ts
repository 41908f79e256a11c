// Kernels that exercise the thread pool itself: an empty job (dispatch cost) and a deliberate trap
// (a worker's failure must surface in the caller).

export function pool_noop(taskBegin: i32, taskEnd: i32, scratch: usize): void {}

export function pool_trap(trapTask: i32, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  if (trapTask >= taskBegin && trapTask < taskEnd) unreachable();
}
