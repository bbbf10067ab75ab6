/**
 * Real photographs shipped in Debian packages, fetched with `apt-get download`: camera
 * and phone pictures, not illustrations or noise (gnome-backgrounds' WebPs and the
 * lomiri "Painting-Colors" are drawings and stay out). Sizes as of Debian 12.
 */
export const PHOTO_CATALOGUE = [
  // A 13.1 MP phone photo (3120x4208, night street, EXIF): the ~13 MP JPEG.
  { pkg: 'gdk-pixbuf-tests', path: 'usr/libexec/installed-tests/gdk-pixbuf/issue70.jpg' },
  { pkg: 'lomiri-wallpapers-16.04', path: 'usr/share/backgrounds/aitzgorri_by_Aitzol_Berasategi.jpg' },
  { pkg: 'lomiri-wallpapers-16.04', path: 'usr/share/backgrounds/life_by_Aitzol_Berasategi.jpg' },
  { pkg: 'lomiri-wallpapers-16.04', path: 'usr/share/backgrounds/picosdeeuropa_by_Aitzol_Berasategi.jpg' },
  { pkg: 'lomiri-wallpapers-16.04', path: 'usr/share/backgrounds/Bridge_by_Sander_Klootwijk.jpg' },
  { pkg: 'lomiri-wallpapers-16.04', path: 'usr/share/backgrounds/sunset_by_Aitzol_Berasategi.jpg' },
  { pkg: 'lomiri-wallpapers-16.04', path: 'usr/share/backgrounds/Dragonfly_by_Bolly.jpg' },
  { pkg: 'lomiri-wallpapers-16.04', path: 'usr/share/backgrounds/seeding_by_Clements_Engelhardt.jpg' },
  // 20.4 MP (6028x3391): the largest real photo in these packages, the "~24 MP" case.
  { pkg: 'lomiri-wallpapers-20.04', path: 'usr/share/backgrounds/Kleiber_by_Lukas_Baubkus.jpg' },
  // 1.5 MP: warms each worker up, never timed.
  { pkg: 'lomiri-wallpapers-16.04', path: 'usr/share/backgrounds/Picture_1A_by_freespace.jpg' },
] as const satisfies readonly { pkg: string; path: string }[];

/** A photo on disk with what the bench needs to know about it. */
export interface Photo {
  /** Absolute path of the extracted file. */
  readonly file: string;
  readonly name: string;
  /** Debian package and version it came from. */
  readonly origin: string;
  /** Where the file sits inside its package. */
  readonly packagePath: string;
  readonly format: string;
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
}

/** Megapixels of a photo. */
export const megapixels = (photo: Pick<Photo, 'width' | 'height'>): number => (photo.width * photo.height) / 1e6;

/** The photos each section runs on. */
export interface PhotoRoles {
  /** The JPEG nearest 13 MP. */
  readonly thirteen: Photo | undefined;
  /** The photo nearest 24 MP. */
  readonly large: Photo | undefined;
  /** Every photo of 6-24 MP, in catalogue order. */
  readonly mixed: readonly Photo[];
  /** The smallest photo under 6 MP (else the smallest of all) for warm-up runs. */
  readonly warmup: Photo | undefined;
}

/** Mixed-set bounds in megapixels, inclusive. */
export const MIXED_MP = { min: 6, max: 24 } as const;

const nearest = (photos: readonly Photo[], mp: number): Photo | undefined =>
  photos.reduce<Photo | undefined>(
    (best, p) => (best === undefined || Math.abs(megapixels(p) - mp) < Math.abs(megapixels(best) - mp) ? p : best),
    undefined,
  );

/**
 * Chooses which photo plays which part, from whatever could be fetched: a missing
 * package only shrinks the set, and a role with no candidate stays undefined.
 */
export function assignRoles(photos: readonly Photo[]): PhotoRoles {
  const bySize = [...photos].sort((a, b) => megapixels(a) - megapixels(b));
  const small = bySize.filter((p) => megapixels(p) < MIXED_MP.min);
  return {
    thirteen: nearest(
      photos.filter((p) => p.format === 'jpeg'),
      13,
    ),
    large: nearest(photos, 24),
    mixed: photos.filter((p) => megapixels(p) >= MIXED_MP.min && megapixels(p) <= MIXED_MP.max),
    warmup: small[0] ?? bySize[0],
  };
}
