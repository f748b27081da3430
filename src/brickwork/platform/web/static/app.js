// Brickwork pages: htmx requests carry the session's CSRF token (from the page's meta tag).
// No inline scripts anywhere: the Content-Security-Policy allows scripts from this server only.
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector('meta[name="csrf-token"]');
  if (token) {
    event.detail.headers["X-CSRF-Token"] = token.content;
  }
});
