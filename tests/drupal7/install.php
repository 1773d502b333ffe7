<?php
/**
 * Install Drupal 7's standard profile on SQLite without a browser, as drush site-install
 * does: install_drupal() with the installer's forms pre-filled.
 *
 * Usage (from the Drupal root): php install.php DATABASE_FILE
 */
define('DRUPAL_ROOT', getcwd());
define('MAINTENANCE_MODE', 'install');
$_SERVER['HTTP_HOST'] = '127.0.0.1';
$_SERVER['SCRIPT_NAME'] = '/install.php';
$_SERVER['REMOTE_ADDR'] = '127.0.0.1';
$_SERVER['REQUEST_METHOD'] = 'GET';
$_SERVER['SERVER_SOFTWARE'] = 'PHP CLI';
require_once DRUPAL_ROOT . '/includes/install.core.inc';

$database = $argv[1];
$settings = array(
  'parameters' => array('profile' => 'standard', 'locale' => 'en'),
  'forms' => array(
    'install_settings_form' => array(
      'driver' => 'sqlite',
      'sqlite' => array('database' => $database, 'db_prefix' => ''),
    ),
    'install_configure_form' => array(
      'site_name' => 'Drupal 7 harness',
      'site_mail' => 'admin@example.org',
      'account' => array(
        'name' => 'admin',
        'mail' => 'admin@example.org',
        'pass' => array('pass1' => 'harness-only', 'pass2' => 'harness-only'),
      ),
      // No update module: it would ask drupal.org for updates.
      'update_status_module' => array(),
      'clean_url' => TRUE,
      'site_default_country' => 'US',
      'date_default_timezone' => 'America/New_York',
    ),
  ),
);
install_drupal($settings);
print "installed\n";
