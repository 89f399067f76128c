/**
 * Serve mode opens the page as `/?token=…`. The token is moved into sessionStorage
 * (it survives a reload of this tab, and no other tab or later session) and removed
 * from the address bar so it does not end up in history, bookmarks or screenshots.
 */
const STORAGE_KEY = 'longitude.token';

export function takeSessionToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    try {
      window.sessionStorage.setItem(STORAGE_KEY, fromUrl);
    } catch {
      // Storage can be disabled; the token then lives only as long as this page.
    }
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  try {
    return window.sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}
