<?php
/**
 * Router for `php -S`: existing files are served as they are; everything else goes to
 * Drupal's index.php with the path in $_GET['q'], as Apache's mod_rewrite rule does.
 */
$path = rawurldecode(parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH));
if ($path !== '/' && is_file(__DIR__ . $path)) {
  return FALSE;
}
$_SERVER['SCRIPT_NAME'] = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = __DIR__ . '/index.php';
$_GET['q'] = ltrim($path, '/');
chdir(__DIR__);
require __DIR__ . '/index.php';
