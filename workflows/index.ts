/** The workflows the worker registers (the bundle's entry point). */
export { saleWorkflow, saleWorkflowV2 } from './sale';
export { stockChangeWorkflow } from './stock';
export { reconcileSalesWorkflow } from './reconcile';
export { emailDigestsWorkflow } from './digests';
