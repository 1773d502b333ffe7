<?php
/**
 * Add the harness's content to an installed Drupal 7: articles with a body, tags, an image
 * and a path alias (/content/<slug>), authored by "Kanat", in America/New_York.
 *
 * Usage (from the Drupal root): php content.php POSTS_JSON
 * POSTS_JSON: [{"title", "slug", "body", "tags": [..], "created": unix, "image": "name.png"
 *              or null, "sticky": bool}, ...]
 */
define('DRUPAL_ROOT', getcwd());
$_SERVER['HTTP_HOST'] = '127.0.0.1';
$_SERVER['SCRIPT_NAME'] = '/index.php';
$_SERVER['REMOTE_ADDR'] = '127.0.0.1';
$_SERVER['REQUEST_METHOD'] = 'GET';
$_SERVER['SERVER_SOFTWARE'] = 'PHP CLI';
require_once DRUPAL_ROOT . '/includes/bootstrap.inc';
drupal_bootstrap(DRUPAL_BOOTSTRAP_FULL);

variable_set('date_default_timezone', 'America/New_York');
variable_set('configurable_timezones', 0);
variable_set('clean_url', 1);
// Nothing that would reach out of loopback (D7 ES announcements fetch a feed from drupal.org).
module_disable(array('announcements_feed'));
// No cron on page requests (it would run in the middle of a crawl).
variable_set('cron_safe_threshold', 0);
// The anonymous page cache, as a production site has it (ETag, Last-Modified, 304, gzip).
variable_set('cache', 1);
variable_set('page_cache_maximum_age', 300);
// Anonymous visitors may see content (the standard profile grants it; made sure here).
user_role_grant_permissions(DRUPAL_ANONYMOUS_RID, array('access content'));

$author = user_load_by_name('Kanat');
if (!$author) {
  $author = user_save(drupal_anonymous_user(), array(
    'name' => 'Kanat', 'mail' => 'kanat@example.org', 'pass' => 'harness-only',
    'status' => 1, 'init' => 'kanat@example.org',
  ));
}

$posts = json_decode(file_get_contents($argv[1]), TRUE);
foreach ($posts as $post) {
  $node = new stdClass();
  $node->type = 'article';
  node_object_prepare($node);
  $node->title = $post['title'];
  $node->language = LANGUAGE_NONE;
  $node->uid = $author->uid;
  $node->status = 1;
  $node->promote = 1;
  $node->sticky = empty($post['sticky']) ? 0 : 1;
  $node->created = $post['created'];
  $node->changed = $post['created'];
  $node->body[LANGUAGE_NONE][0] = array(
    'value' => $post['body'],
    'summary' => '',
    'format' => 'filtered_html',
  );
  foreach ($post['tags'] as $name) {
    $terms = taxonomy_get_term_by_name($name, 'tags');
    $term = $terms ? reset($terms) : NULL;
    if (!$term) {
      $term = (object) array('name' => $name, 'vid' => 1);
      taxonomy_term_save($term);
    }
    $node->field_tags[LANGUAGE_NONE][] = array('tid' => $term->tid);
  }
  if (!empty($post['image'])) {
    $image = imagecreatetruecolor(320, 200);
    imagefill($image, 0, 0, imagecolorallocate($image, 40, 90, 160));
    ob_start();
    imagepng($image);
    $png = ob_get_clean();
    $directory = 'public://field/image';
    file_prepare_directory($directory, FILE_CREATE_DIRECTORY | FILE_MODIFY_PERMISSIONS);
    $file = file_save_data($png, $directory . '/' . $post['image'], FILE_EXISTS_REPLACE);
    $node->field_image[LANGUAGE_NONE][0] = array(
      'fid' => $file->fid, 'alt' => $post['title'], 'title' => '',
    );
  }
  $node->path = array('alias' => 'content/' . $post['slug'], 'pathauto' => FALSE);
  node_save($node);
  // node_save() stamps 'changed' with the request time; keep the post's own.
  db_update('node')->fields(array('changed' => $post['created']))
    ->condition('nid', $node->nid)->execute();
  print "node/{$node->nid} content/{$post['slug']}\n";
}
drupal_flush_all_caches();
