// Package browsertest drives the citizen pages in real headless Chromium:
// the whole payment flow for each regional profile, with care mode on and
// off and in both languages, by keyboard alone, checking every page with
// axe-core (WCAG 2.1 A and AA), its weight, its touch targets and, in care
// mode, what the voice guidance says. It boots the real program, like the
// end-to-end tests of internal/app.
//
// The tests skip when no Chromium is found ($CHROMIUM, /usr/bin/chromium or
// chromium on $PATH); .ci/browser-setup.sh installs it. With
// SHEBAO_SCREENSHOTS=docs/screenshots (relative to the module root) they
// save 375×812 screenshots of the main steps for the README.
package browsertest
