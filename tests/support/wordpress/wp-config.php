<?php
/**
 * The test fixture's wp-config.php (tests/support/real_wordpress.py copies it into the site).
 *
 * Debian's own wp-config.php reads only /etc/wordpress/config-<host>.php, so the fixture brings this
 * one. It reads the static setup (fixture-site.json, written once per session) and, on every request,
 * the conditions that must act before WordPress loads (wp-content/fixture-conditions.json): the
 * environment type, a host that drops the Authorization header, the home address, the TLS front.
 */

$fixture_site       = json_decode( file_get_contents( __DIR__ . '/fixture-site.json' ), true );
$fixture_conditions = json_decode( (string) @file_get_contents( __DIR__ . '/wp-content/fixture-conditions.json' ), true );
if ( ! is_array( $fixture_conditions ) ) {
	$fixture_conditions = array();
}

// The TLS front (a Python proxy) marks what it forwards with a per-session token.
$fixture_via_tls = isset( $_SERVER['HTTP_X_FIXTURE_TLS'] ) && hash_equals( $fixture_site['tls_token'], $_SERVER['HTTP_X_FIXTURE_TLS'] );
if ( $fixture_via_tls ) {
	$_SERVER['HTTPS'] = 'on';
}

// A host (Apache + CGI/FastCGI) that does not pass the Authorization header on to PHP.
if ( ! empty( $fixture_conditions['strip_authorization'] ) ) {
	unset( $_SERVER['HTTP_AUTHORIZATION'], $_SERVER['REDIRECT_HTTP_AUTHORIZATION'], $_SERVER['PHP_AUTH_USER'], $_SERVER['PHP_AUTH_PW'] );
}

define( 'WP_ENVIRONMENT_TYPE', empty( $fixture_conditions['production_http'] ) ? 'local' : 'production' );
define( 'WP_HOME', $fixture_conditions['home'] ?? $fixture_site['url'] );
define( 'WP_SITEURL', WP_HOME );

define( 'DB_NAME', 'wordpress' );
define( 'DB_USER', 'wordpress' );
define( 'DB_PASSWORD', 'wordpress' );
define( 'DB_HOST', 'localhost:' . $fixture_site['db_socket'] );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );
$table_prefix = 'wp_';

foreach ( array( 'AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT', 'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT' ) as $fixture_key ) {
	define( $fixture_key, $fixture_site['salt'] . $fixture_key );
}

define( 'WP_HTTP_BLOCK_EXTERNAL', true );
define( 'DISABLE_WP_CRON', true );
define( 'AUTOMATIC_UPDATER_DISABLED', true );
define( 'WP_AUTO_UPDATE_CORE', false );
define( 'WP_DEBUG', false );
define( 'WP_DEBUG_DISPLAY', false ); // PHP 8.2 deprecation notices would corrupt the JSON answers
@ini_set( 'display_errors', '0' );

if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}
require_once ABSPATH . 'wp-settings.php';
