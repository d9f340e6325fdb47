<?php
/**
 * Installs the fixture's WordPress without a browser: `php install.php SITE_DIR` prints JSON with the
 * users (login password, application password) and the published pages.
 *
 * The steps follow ../shared/wordpress.md: WP_INSTALLING, wp-load.php, a silent
 * wp_new_blog_notification() before upgrade.php, wp_install(), then theme, plugin, users, pages.
 */

if ( PHP_SAPI !== 'cli' || count( $argv ) !== 2 ) {
	fwrite( STDERR, "usage: php install.php SITE_DIR\n" );
	exit( 2 );
}
$fixture_site_dir = rtrim( $argv[1], '/' );
$_SERVER['HTTP_HOST']      = parse_url( json_decode( file_get_contents( "$fixture_site_dir/fixture-site.json" ), true )['url'], PHP_URL_HOST );
$_SERVER['REQUEST_METHOD'] = 'GET';
$_SERVER['REQUEST_URI']    = '/';

define( 'WP_INSTALLING', true );
require "$fixture_site_dir/wp-load.php";

function wp_new_blog_notification( $blog_title, $blog_url, $user_id, $password ) {
	// No mail from a test site.
}

require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';

$fixture_users = array(
	'admin'  => array( 'role' => 'administrator', 'password' => wp_generate_password( 20, false ) ),
	'author' => array( 'role' => 'author', 'password' => wp_generate_password( 20, false ) ),
);

$installed = wp_install( 'Fixture Site', 'admin', 'admin@example.com', true, '', wp_slash( $fixture_users['admin']['password'] ), 'en_US' );
$fixture_users['admin']['id'] = (int) $installed['user_id'];
$fixture_users['author']['id'] = wp_insert_user(
	array(
		'user_login' => 'author',
		'user_pass'  => $fixture_users['author']['password'],
		'user_email' => 'author@example.com',
		'role'       => 'author',
	)
);
if ( is_wp_error( $fixture_users['author']['id'] ) ) {
	fwrite( STDERR, $fixture_users['author']['id']->get_error_message() . "\n" );
	exit( 1 );
}

switch_theme( 'fixture' );
$activated = activate_plugin( 'accessally/accessally.php' );
if ( is_wp_error( $activated ) ) {
	fwrite( STDERR, $activated->get_error_message() . "\n" );
	exit( 1 );
}

foreach ( $fixture_users as $login => &$user ) {
	$created = WP_Application_Passwords::create_new_application_password( $user['id'], array( 'name' => 'fixture' ) );
	if ( is_wp_error( $created ) ) {
		fwrite( STDERR, $created->get_error_message() . "\n" );
		exit( 1 );
	}
	$user['app_password'] = WP_Application_Passwords::chunk_password( $created[0] );
	$user['login']        = $login;
}
unset( $user );

$fixture_topics = array( 'Membership Levels', 'Course Catalog', 'Member Dashboard', 'Pricing', 'About Us', 'Contact',
	'Free Training', 'Checkout', 'Thank You', 'Affiliate Program', 'Frequently Asked Questions' );
foreach ( $fixture_topics as $title ) {
	wp_insert_post(
		array(
			'post_type'    => 'page',
			'post_status'  => 'publish',
			'post_title'   => $title,
			'post_content' => "<p>The $title page of the fixture site.</p>",
			'post_author'  => $fixture_users['admin']['id'],
		)
	);
}
$fixture_pages = array();
foreach ( get_pages( array( 'post_status' => 'publish' ) ) as $page ) {
	$fixture_pages[] = array( 'id' => $page->ID, 'title' => $page->post_title, 'slug' => $page->post_name );
}

echo wp_json_encode( array( 'users' => array_values( $fixture_users ), 'pages' => $fixture_pages ) ), "\n";
