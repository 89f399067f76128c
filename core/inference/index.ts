/** Pure array math of the local-AI segmentation pipeline (no onnxruntime here). */
export * from './resample';
export * from './normalize';
export * from './slidingWindow';
export * from './activation';
export * from './pipeline';
export * from './proposals';
