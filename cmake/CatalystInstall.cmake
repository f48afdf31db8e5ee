# Install rules and the two Debian packages (cpack -G DEB): `catalyst` (the
# CLI) and `catalystd` (the server, its unit and sample config).
#
#   cmake --install build --prefix /usr        # the packages' layout
#   cd build && cpack -G DEB                   # catalyst_*.deb, catalystd_*.deb
#
# With --prefix /usr the config goes to /etc and the unit to
# /lib/systemd/system, as in the packages; any other prefix keeps both under
# it (PREFIX/etc, PREFIX/lib/systemd/system) and the installed unit names
# that prefix's catalystd and config. GNUInstallDirs makes the /usr -> /etc
# choice when the build is configured, which would put the packages' config
# in /usr/etc (cpack installs with prefix /usr into a build configured for
# /usr/local), so it is made at install time instead.

include(GNUInstallDirs)

set(CATALYST_DEB_MAINTAINER "the catalyst authors <authors@catalyst.example>"
  CACHE STRING "Maintainer field of the Debian packages")

set(_cat_gen ${CMAKE_BINARY_DIR}/dist)
file(MAKE_DIRECTORY ${_cat_gen})

# --- binaries ---------------------------------------------------------------
install(TARGETS catalyst RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT catalyst)
install(TARGETS catalystd RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR} COMPONENT catalystd)

# --- config file and systemd unit (paths chosen at install time) ------------
install(CODE "
  if(CMAKE_INSTALL_PREFIX STREQUAL \"/usr\")
    set(_etc /etc)
    set(_unitdir /lib/systemd/system)
  else()
    set(_etc \"\${CMAKE_INSTALL_PREFIX}/etc\")
    set(_unitdir \"\${CMAKE_INSTALL_PREFIX}/lib/systemd/system\")
  endif()
  file(INSTALL \"${CMAKE_SOURCE_DIR}/dist/catalystd.conf\"
    DESTINATION \"\${_etc}/catalystd\" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  file(READ \"${CMAKE_SOURCE_DIR}/dist/catalystd.service\" _unit)
  string(REPLACE \"/usr/sbin/catalystd\" \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_SBINDIR}/catalystd\" _unit \"\${_unit}\")
  string(REPLACE \"/etc/catalystd/\" \"\${_etc}/catalystd/\" _unit \"\${_unit}\")
  # one copy per destination: cpack and a staging install may run at once
  string(MD5 _key \"\$ENV{DESTDIR}|\${CMAKE_INSTALL_PREFIX}\")
  file(WRITE \"${_cat_gen}/unit/\${_key}/catalystd.service\" \"\${_unit}\")
  file(INSTALL \"${_cat_gen}/unit/\${_key}/catalystd.service\"
    DESTINATION \"\${_unitdir}\" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
" COMPONENT catalystd)

# --- documentation ----------------------------------------------------------
# Debian wants each package's docs, copyright and changelog in
# /usr/share/doc/<package>; CMAKE_INSTALL_DOCDIR is share/doc/catalyst.
set(_cat_docdir_catalystd ${CMAKE_INSTALL_DATAROOTDIR}/doc/catalystd)

# The copyright file is LICENSE with a header, so LICENSE stays the one
# source of the licence text.
# both are read here: an edit re-runs the configuration
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
  ${CMAKE_SOURCE_DIR}/LICENSE ${CMAKE_SOURCE_DIR}/CHANGELOG.md)
file(READ ${CMAKE_SOURCE_DIR}/LICENSE _cat_license)
file(WRITE ${_cat_gen}/copyright.tmp
  "catalyst ${PROJECT_VERSION}: the catalyst CLI and its server catalystd.\n\n"
  "Copyright (c) 2026 the catalyst authors\n\n"
  "License: Expat (MIT)\n\n${_cat_license}")
configure_file(${_cat_gen}/copyright.tmp ${_cat_gen}/copyright COPYONLY)

# Debian's changelog.gz: one entry per release, generated from the newest
# entry of CHANGELOG.md, which must be this version ("## [X.Y.Z] - YYYY-MM-DD").
file(STRINGS ${CMAKE_SOURCE_DIR}/CHANGELOG.md _cat_rel REGEX "^## \\[[0-9]" LIMIT_COUNT 1)
if(NOT _cat_rel MATCHES "^## \\[([^]]+)\\] - ([0-9][0-9][0-9][0-9])-([0-9][0-9])-([0-9][0-9])")
  message(FATAL_ERROR "CHANGELOG.md: no '## [X.Y.Z] - YYYY-MM-DD' release heading")
endif()
if(NOT CMAKE_MATCH_1 STREQUAL PROJECT_VERSION)
  message(FATAL_ERROR "CHANGELOG.md's newest release is ${CMAKE_MATCH_1}, the project is ${PROJECT_VERSION}: add its entry")
endif()
set(_y ${CMAKE_MATCH_2})
math(EXPR _m "${CMAKE_MATCH_3}")
math(EXPR _d "${CMAKE_MATCH_4}")
# Sakamoto's day of the week; the changelog's date carries it.
set(_t 0 3 2 5 0 3 5 1 4 6 2 4)
math(EXPR _i "${_m} - 1")
list(GET _t ${_i} _ti)
if(_m LESS 3)
  math(EXPR _y "${_y} - 1")
endif()
math(EXPR _wd "(${_y} + ${_y} / 4 - ${_y} / 100 + ${_y} / 400 + ${_ti} + ${_d}) % 7")
set(_days Sun Mon Tue Wed Thu Fri Sat)
list(GET _days ${_wd} _wdn)
math(EXPR _i "${_m} - 1")
set(_months Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec)
list(GET _months ${_i} _mn)
set(CATALYST_RELEASE_DATE "${_wdn}, ${CMAKE_MATCH_4} ${_mn} ${CMAKE_MATCH_2} 00:00:00 +0000")

foreach(_pkg catalyst catalystd)
  file(WRITE ${_cat_gen}/${_pkg}/changelog.tmp
    "${_pkg} (${PROJECT_VERSION}) unstable; urgency=medium\n\n"
    "  * Release ${PROJECT_VERSION}; see /usr/share/doc/${_pkg}/CHANGELOG.md.\n\n"
    " -- ${CATALYST_DEB_MAINTAINER}  ${CATALYST_RELEASE_DATE}\n")
  configure_file(${_cat_gen}/${_pkg}/changelog.tmp ${_cat_gen}/${_pkg}/changelog COPYONLY)
  add_custom_command(OUTPUT ${_cat_gen}/${_pkg}/changelog.gz
    COMMAND gzip -9 -n -c ${_cat_gen}/${_pkg}/changelog > ${_cat_gen}/${_pkg}/changelog.gz
    DEPENDS ${_cat_gen}/${_pkg}/changelog VERBATIM)
endforeach()
add_custom_target(catalyst_dist_files ALL DEPENDS
  ${_cat_gen}/catalyst/changelog.gz ${_cat_gen}/catalystd/changelog.gz)

install(FILES README.md CHANGELOG.md docs/cli.md ${_cat_gen}/copyright
  ${_cat_gen}/catalyst/changelog.gz
  DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT catalyst)
install(FILES README.md CHANGELOG.md docs/catalystd.md docs/http-api.md
  docs/scale-out.md ${_cat_gen}/copyright ${_cat_gen}/catalystd/changelog.gz
  DESTINATION ${_cat_docdir_catalystd} COMPONENT catalystd)

# --- man pages and shell completions ----------------------------------------
# Man pages come from docs/man (scdoc, target `man`), gzipped as Debian wants
# them. Completions are what `catalyst completion SHELL` prints, generated by
# the built CLI. Each is installed when the tree has its build rule.
set(_cat_extra)
if(TARGET man)
  foreach(_page catalyst.1 catalystd.8)
    add_custom_command(OUTPUT ${_cat_gen}/man/${_page}.gz
      COMMAND ${CMAKE_COMMAND} -E make_directory ${_cat_gen}/man
      COMMAND gzip -9 -n -c ${CMAKE_BINARY_DIR}/docs/man/${_page} > ${_cat_gen}/man/${_page}.gz
      DEPENDS ${CMAKE_BINARY_DIR}/docs/man/${_page} VERBATIM)
    list(APPEND _cat_extra ${_cat_gen}/man/${_page}.gz)
  endforeach()
  install(FILES ${_cat_gen}/man/catalyst.1.gz
    DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT catalyst)
  install(FILES ${_cat_gen}/man/catalystd.8.gz
    DESTINATION ${CMAKE_INSTALL_MANDIR}/man8 COMPONENT catalystd)
endif()
if(EXISTS ${CMAKE_SOURCE_DIR}/src/client/cmd_completion.c)
  foreach(_sh bash zsh fish)
    add_custom_command(OUTPUT ${_cat_gen}/completion/catalyst.${_sh}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${_cat_gen}/completion
      COMMAND catalyst completion ${_sh} > ${_cat_gen}/completion/catalyst.${_sh}
      DEPENDS catalyst VERBATIM)
    list(APPEND _cat_extra ${_cat_gen}/completion/catalyst.${_sh})
  endforeach()
  # where Debian's bash-completion, zsh and fish look for packaged ones
  install(FILES ${_cat_gen}/completion/catalyst.bash RENAME catalyst
    DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/bash-completion/completions COMPONENT catalyst)
  install(FILES ${_cat_gen}/completion/catalyst.zsh RENAME _catalyst
    DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/zsh/vendor-completions COMPONENT catalyst)
  install(FILES ${_cat_gen}/completion/catalyst.fish
    DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/fish/vendor_completions.d COMPONENT catalyst)
endif()
add_custom_target(catalyst_dist_extra ALL DEPENDS ${_cat_extra})
if(TARGET man)
  add_dependencies(catalyst_dist_extra man)
endif()

# --- Debian packages ----------------------------------------------------------
set(CPACK_PACKAGE_NAME catalyst)
set(CPACK_PACKAGE_VENDOR "the catalyst authors")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${CATALYST_DEB_MAINTAINER}")
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_SOURCE_DIR}/LICENSE)
set(CPACK_GENERATOR DEB)
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL catalyst catalystd)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CATALYST_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)

set(CPACK_DEBIAN_CATALYST_PACKAGE_NAME catalyst)
set(CPACK_DEBIAN_CATALYSTD_PACKAGE_NAME catalystd)
# dpkg-shlibdeps sees only linked libraries: the CLI dlopen()s libcurl (the
# OpenSSL or the GnuTLS build) and libmicrohttpd (the browser sign-in's
# loopback listener) by SONAME, src/client/dynload.c.
set(CPACK_DEBIAN_CATALYST_PACKAGE_DEPENDS "libcurl4 | libcurl3-gnutls, libmicrohttpd12")
set(CPACK_DEBIAN_CATALYST_DESCRIPTION
  "command-line client for Catalyst CLI tokens
catalyst signs in to a catalystd server, generates long-lived CLI tokens
through a device-verification flow, lists and revokes them, and runs
commands as the token's account from CI systems or other machines. It is
wire-compatible with the reference Catalyst CLI.")
set(CPACK_DEBIAN_CATALYSTD_DESCRIPTION
  "OAuth token server for the catalyst CLI
catalystd serves the OAuth device and browser flows, the admin API for
projects and the browser pages where people approve device codes. It
stores accounts and tokens in SQLite or PostgreSQL. The package ships a
hardened systemd unit (installed disabled) and a commented sample
configuration in /etc/catalystd.")
# dpkg treats files in /etc as the admin's: kept on upgrade and removal.
file(WRITE ${_cat_gen}/conffiles "/etc/catalystd/catalystd.conf\n")
set(CPACK_DEBIAN_CATALYSTD_PACKAGE_CONTROL_EXTRA ${_cat_gen}/conffiles)

include(CPack)
