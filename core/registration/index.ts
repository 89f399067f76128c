/**
 * Registration math in patient LPS millimetres: 4×4 affine transforms, elastix/ITK parameter maps
 * to matrices, landmark fits (rigid, affine) and the registration error at corresponding points.
 * Pure: no Node, no I/O. The elastix run itself is main/services/registration.
 */
export * from './affine';
export * from './elastixTransform';
export * from './landmarks';
export * from './registrationError';
