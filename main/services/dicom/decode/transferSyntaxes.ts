// Transfer syntax UIDs and names (DICOM PS3.6 Annex A).

export const TransferSyntax = {
  implicitVrLittleEndian: '1.2.840.10008.1.2',
  explicitVrLittleEndian: '1.2.840.10008.1.2.1',
  encapsulatedUncompressedExplicitVrLittleEndian: '1.2.840.10008.1.2.1.98',
  deflatedExplicitVrLittleEndian: '1.2.840.10008.1.2.1.99',
  explicitVrBigEndian: '1.2.840.10008.1.2.2',
  rleLossless: '1.2.840.10008.1.2.5',
  jpegBaseline: '1.2.840.10008.1.2.4.50',
  jpegExtended: '1.2.840.10008.1.2.4.51',
  jpegLossless: '1.2.840.10008.1.2.4.57',
  jpegLosslessSv1: '1.2.840.10008.1.2.4.70',
  jpegLsLossless: '1.2.840.10008.1.2.4.80',
  jpegLsNearLossless: '1.2.840.10008.1.2.4.81',
  jpeg2000Lossless: '1.2.840.10008.1.2.4.90',
  jpeg2000: '1.2.840.10008.1.2.4.91',
} as const;

/** Every transfer syntax decodeFile accepts, UID → name. */
export const SUPPORTED_TRANSFER_SYNTAXES: Record<string, string> = {
  [TransferSyntax.implicitVrLittleEndian]: 'Implicit VR Little Endian',
  [TransferSyntax.explicitVrLittleEndian]: 'Explicit VR Little Endian',
  [TransferSyntax.encapsulatedUncompressedExplicitVrLittleEndian]:
    'Encapsulated Uncompressed Explicit VR Little Endian',
  [TransferSyntax.deflatedExplicitVrLittleEndian]: 'Deflated Explicit VR Little Endian',
  [TransferSyntax.explicitVrBigEndian]: 'Explicit VR Big Endian',
  [TransferSyntax.rleLossless]: 'RLE Lossless',
  [TransferSyntax.jpegBaseline]: 'JPEG Baseline (Process 1)',
  [TransferSyntax.jpegExtended]: 'JPEG Extended (Process 2 & 4)',
  [TransferSyntax.jpegLossless]: 'JPEG Lossless, Non-Hierarchical (Process 14)',
  [TransferSyntax.jpegLosslessSv1]: 'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14, SV1)',
  [TransferSyntax.jpegLsLossless]: 'JPEG-LS Lossless',
  [TransferSyntax.jpegLsNearLossless]: 'JPEG-LS Near-Lossless',
  [TransferSyntax.jpeg2000Lossless]: 'JPEG 2000 (Lossless Only)',
  [TransferSyntax.jpeg2000]: 'JPEG 2000',
};

/** Syntaxes we recognise but cannot decode, so the error can name them. */
const UNSUPPORTED_TRANSFER_SYNTAX_NAMES: Record<string, string> = {
  '1.2.840.10008.1.2.4.52': 'JPEG Extended (Process 3 & 5, retired)',
  '1.2.840.10008.1.2.4.53': 'JPEG Spectral Selection, Non-Hierarchical (Process 6 & 8, retired)',
  '1.2.840.10008.1.2.4.54': 'JPEG Spectral Selection, Non-Hierarchical (Process 7 & 9, retired)',
  '1.2.840.10008.1.2.4.55': 'JPEG Full Progression, Non-Hierarchical (Process 10 & 12, retired)',
  '1.2.840.10008.1.2.4.56': 'JPEG Full Progression, Non-Hierarchical (Process 11 & 13, retired)',
  '1.2.840.10008.1.2.4.58': 'JPEG Lossless, Non-Hierarchical (Process 15, retired)',
  '1.2.840.10008.1.2.4.59': 'JPEG Extended, Hierarchical (Process 16 & 18, retired)',
  '1.2.840.10008.1.2.4.60': 'JPEG Extended, Hierarchical (Process 17 & 19, retired)',
  '1.2.840.10008.1.2.4.61': 'JPEG Spectral Selection, Hierarchical (Process 20 & 22, retired)',
  '1.2.840.10008.1.2.4.62': 'JPEG Spectral Selection, Hierarchical (Process 21 & 23, retired)',
  '1.2.840.10008.1.2.4.63': 'JPEG Full Progression, Hierarchical (Process 24 & 26, retired)',
  '1.2.840.10008.1.2.4.64': 'JPEG Full Progression, Hierarchical (Process 25 & 27, retired)',
  '1.2.840.10008.1.2.4.65': 'JPEG Lossless, Hierarchical (Process 28, retired)',
  '1.2.840.10008.1.2.4.66': 'JPEG Lossless, Hierarchical (Process 29, retired)',
  '1.2.840.10008.1.2.4.92': 'JPEG 2000 Part 2 Multi-component (Lossless Only)',
  '1.2.840.10008.1.2.4.93': 'JPEG 2000 Part 2 Multi-component',
  '1.2.840.10008.1.2.4.94': 'JPIP Referenced',
  '1.2.840.10008.1.2.4.95': 'JPIP Referenced Deflate',
  '1.2.840.10008.1.2.4.100': 'MPEG2 Main Profile @ Main Level',
  '1.2.840.10008.1.2.4.101': 'MPEG2 Main Profile @ High Level',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264 High Profile / Level 4.1',
  '1.2.840.10008.1.2.4.103': 'MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1',
  '1.2.840.10008.1.2.4.104': 'MPEG-4 AVC/H.264 High Profile / Level 4.2 for 2D Video',
  '1.2.840.10008.1.2.4.105': 'MPEG-4 AVC/H.264 High Profile / Level 4.2 for 3D Video',
  '1.2.840.10008.1.2.4.106': 'MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2',
  '1.2.840.10008.1.2.4.107': 'HEVC/H.265 Main Profile / Level 5.1',
  '1.2.840.10008.1.2.4.108': 'HEVC/H.265 Main 10 Profile / Level 5.1',
  '1.2.840.10008.1.2.4.110': 'JPEG XL Lossless',
  '1.2.840.10008.1.2.4.111': 'JPEG XL JPEG Recompression',
  '1.2.840.10008.1.2.4.112': 'JPEG XL',
  '1.2.840.10008.1.2.4.201': 'High-Throughput JPEG 2000 (Lossless Only)',
  '1.2.840.10008.1.2.4.202': 'High-Throughput JPEG 2000 with RPCL Options (Lossless Only)',
  '1.2.840.10008.1.2.4.203': 'High-Throughput JPEG 2000',
  '1.2.840.10008.1.2.4.204': 'JPIP HTJ2K Referenced',
  '1.2.840.10008.1.2.4.205': 'JPIP HTJ2K Referenced Deflate',
  '1.2.840.10008.1.2.6.1': 'RFC 2557 MIME Encapsulation (retired)',
  '1.2.840.10008.1.2.6.2': 'XML Encoding (retired)',
  '1.2.840.10008.1.2.7.1': 'SMPTE ST 2110-20 Uncompressed Progressive Active Video',
  '1.2.840.10008.1.2.7.2': 'SMPTE ST 2110-20 Uncompressed Interlaced Active Video',
  '1.2.840.10008.1.2.7.3': 'SMPTE ST 2110-30 PCM Digital Audio',
};

/** Human-readable name of a transfer syntax UID, for messages and the UI. */
export function transferSyntaxName(uid: string): string {
  return (
    SUPPORTED_TRANSFER_SYNTAXES[uid] ??
    UNSUPPORTED_TRANSFER_SYNTAX_NAMES[uid] ??
    `unknown transfer syntax ${uid}`
  );
}

/** Native (not encapsulated) pixel data: the value of Pixel Data is the samples themselves. */
export function isNativeSyntax(uid: string): boolean {
  return (
    uid === TransferSyntax.implicitVrLittleEndian ||
    uid === TransferSyntax.explicitVrLittleEndian ||
    uid === TransferSyntax.deflatedExplicitVrLittleEndian ||
    uid === TransferSyntax.explicitVrBigEndian
  );
}
