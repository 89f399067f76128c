/**
 * Registration math in patient LPS millimetres: 4×4 affine transforms, elastix/ITK parameter maps
 * to matrices, landmark fits (rigid, affine) and the registration error at corresponding points.
 * Pure: no Node, no I/O. The elastix run itself is main/services/registration; its image
 * preparation and NCC score are here (prepareImage.ts, ncc.ts), as is the path search between
 * series through stored registrations (transformPath.ts).
 */
export * from './affine';
export * from './elastixTransform';
export * from './landmarks';
export * from './ncc';
export * from './prepareImage';
export * from './registrationError';
export * from './transformPath';
