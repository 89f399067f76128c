/** NIfTI-1 label maps and images, parsed and written as bytes: the public surface of core/nifti. */
export {
  NiftiError,
  type NiftiData,
  type NiftiDatatype,
  type NiftiReadOptions,
  type NiftiVolume,
  type NiftiWriteOptions,
  parseNifti1,
  serializeNifti1,
} from './nifti';
export { type GridMapping, gridMapping, reorientToGrid } from './reorient';
