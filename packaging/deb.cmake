# Debian packages of this build tree, made by CPack (scripts/package.sh): snapfs (the filesystem,
# its manual pages, the annotated examples) and snapfs-emulator (the local API server, for trying
# snapfs without a cloud account). CPack packs what the install rules of the `snapfs` and
# `emulator` components put under /usr, and has dpkg-shlibdeps compute each package's
# dependencies from the libraries its program links.

find_program(GZIP_EXECUTABLE gzip)
set(SNAPFS_PACKAGING_DIR ${CMAKE_BINARY_DIR}/packaging)

# Debian policy wants manual pages and changelogs gzip-compressed; -n leaves the name and time
# out, so that the same input gives the same package.
set(SNAPFS_PACKAGING_GZ)
function(snapfs_gzip source output)
  add_custom_command(OUTPUT ${output}
    COMMAND sh -c "${GZIP_EXECUTABLE} -9n < \"$0\" > \"$1\"" ${source} ${output}
    DEPENDS ${source} VERBATIM)
  set(SNAPFS_PACKAGING_GZ ${SNAPFS_PACKAGING_GZ} ${output} PARENT_SCOPE)
endfunction()

# A native package (no Debian revision) keeps its changelog as changelog.gz; the entry names the
# version of project().
configure_file(packaging/changelog.in ${SNAPFS_PACKAGING_DIR}/changelog @ONLY)
snapfs_gzip(${SNAPFS_PACKAGING_DIR}/changelog ${SNAPFS_PACKAGING_DIR}/changelog.gz)
snapfs_gzip(${CMAKE_SOURCE_DIR}/man/snapfs.1 ${SNAPFS_PACKAGING_DIR}/snapfs.1.gz)
snapfs_gzip(${CMAKE_SOURCE_DIR}/man/snapfs.conf.5 ${SNAPFS_PACKAGING_DIR}/snapfs.conf.5.gz)
snapfs_gzip(${CMAKE_SOURCE_DIR}/man/snapfs-emulator.1
            ${SNAPFS_PACKAGING_DIR}/snapfs-emulator.1.gz)
add_custom_target(snapfs_packaging_files ALL DEPENDS ${SNAPFS_PACKAGING_GZ})

# EXCLUDE_FROM_ALL: a plain `cmake --install` keeps the uncompressed manual pages and no Debian
# files; CPack installs each component by name, these rules included.
install(FILES ${SNAPFS_PACKAGING_DIR}/snapfs.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
        COMPONENT snapfs EXCLUDE_FROM_ALL)
install(FILES ${SNAPFS_PACKAGING_DIR}/snapfs.conf.5.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man5
        COMPONENT snapfs EXCLUDE_FROM_ALL)
install(FILES ${SNAPFS_PACKAGING_DIR}/snapfs-emulator.1.gz
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT emulator EXCLUDE_FROM_ALL)
foreach(component_package snapfs:snapfs emulator:snapfs-emulator)
  string(REPLACE ":" ";" pair ${component_package})
  list(GET pair 0 component)
  list(GET pair 1 package)
  install(FILES packaging/copyright ${SNAPFS_PACKAGING_DIR}/changelog.gz
          DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${package}
          COMPONENT ${component} EXCLUDE_FROM_ALL)
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME snapfs)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR snapfs)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE
    GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(CPACK_COMPONENTS_ALL snapfs emulator)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # NAME_VERSION_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "snapfs <dev@snapfs.invalid>")
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)

set(CPACK_DEBIAN_SNAPFS_PACKAGE_NAME snapfs)
set(CPACK_DEBIAN_SNAPFS_PACKAGE_SECTION admin)
# Added to what dpkg-shlibdeps finds: mount.fuse3 starts snapfs for fstab lines and systemd mount
# units, and fusermount3 unmounts for users.
set(CPACK_DEBIAN_SNAPFS_PACKAGE_DEPENDS fuse3)
set(CPACK_DEBIAN_SNAPFS_PACKAGE_SUGGESTS snapfs-emulator)
set(CPACK_COMPONENT_SNAPFS_DESCRIPTION
    "cloud volume snapshots as directories (FUSE)
snapfs mounts the snapshots of cloud NAS and block volumes (Scaleway, OVHcloud,
NAVER Cloud) as a tree of directories: REMOTE/SERVICE/VOLUME/.snapshots/NAME.
ls lists snapshots, mkdir creates one, mv renames, rmdir deletes, and
extended attributes hold their metadata and tags. It mounts by hand, from
/etc/fstab or from a systemd mount unit (an example is in
/usr/share/doc/snapfs/examples).")

set(CPACK_DEBIAN_EMULATOR_PACKAGE_NAME snapfs-emulator)
set(CPACK_DEBIAN_EMULATOR_PACKAGE_SECTION devel)
set(CPACK_COMPONENT_EMULATOR_DESCRIPTION
    "local server speaking the cloud snapshot APIs snapfs uses
snapfs-emulator answers the Scaleway, OVHcloud and NAVER Cloud API calls of
snapfs on the wire, from a demo or synthetic data set, with injectable faults.
It lets snapfs be tried, tested and measured without a cloud account.")

include(CPack)
