// vtk.js ships no types for its marching cubes filter (Filters/General/ImageMarchingCubes):
// what the 3D view's label surfaces use of it.
declare module '@kitware/vtk.js/Filters/General/ImageMarchingCubes' {
  import type vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData';
  import type vtkPolyData from '@kitware/vtk.js/Common/DataModel/PolyData';

  export interface vtkImageMarchingCubes {
    setInputData(image: vtkImageData): void;
    /** Runs the filter (on first call after the input changed) and returns its surface. */
    getOutputData(): vtkPolyData;
    setContourValue(value: number): boolean;
    delete(): void;
  }

  const vtkImageMarchingCubes: {
    newInstance(initial?: { contourValue?: number; computeNormals?: boolean; mergePoints?: boolean }): vtkImageMarchingCubes;
  };
  export default vtkImageMarchingCubes;
}
